using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WebApp.Testing;

/// <summary>A socket token as the room page's token handler returns it; <paramref name="ExpiresAt"/> in UTC.</summary>
public sealed record SocketToken(string Token, DateTime ExpiresAt);

/// <summary>
/// Drives the site the way a browser's forms do (register, create a room, fetch a socket token) with its own cookies.
/// Redirects are not followed, so tests see exactly what the server answered.
/// </summary>
/// <param name="cookies">Shared with another client to be the same browser session on another instance of the site.</param>
/// <param name="behindTlsProxy">
/// Plain HTTP to a production site as if through a TLS-terminating proxy (<see cref="BehindTlsProxyHandler"/>).
/// </param>
public sealed partial class SiteClient(Uri baseAddress, CookieContainer? cookies = null, bool behindTlsProxy = false) : IDisposable
{
    /// <summary>The password every person signs up with; Identity's default rules accept it.</summary>
    public const string Password = "Pa$$w0rd-for-tests";

    private readonly HttpClient _http = new(behindTlsProxy
        ? new BehindTlsProxyHandler(cookies ??= new CookieContainer())
        : NewHandler(cookies ??= new CookieContainer()))
    {
        BaseAddress = baseAddress,
        // Over HTTPS pages travel over HTTP/2 when the server offers it, as in a browser.
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    /// <summary>
    /// The HTTP version of this client's socket upgrades: 1.1 (a GET upgrade, RFC 6455) by default, or 2.0 (an
    /// extended CONNECT, RFC 8441, required exactly: no fallback) over HTTPS.
    /// </summary>
    public Version SocketHttpVersion { get; init; } = HttpVersion.Version11;

    /// <summary>
    /// The <c>Accept-Language</c> this client sends on every request and socket upgrade, as a browser set to that
    /// language would (e.g. <c>"ja-JP,ja;q=0.9"</c>); null sends none, which the site answers in English.
    /// </summary>
    public string? AcceptLanguage
    {
        get => _acceptLanguage;
        init
        {
            _acceptLanguage = value;
            _http.DefaultRequestHeaders.AcceptLanguage.Clear();
            if (value is not null) _http.DefaultRequestHeaders.TryAddWithoutValidation("Accept-Language", value);
        }
    }

    private readonly string? _acceptLanguage;

    /// <summary>A handler that does not follow redirects and trusts the throwaway test certificate.</summary>
    public static SocketsHttpHandler NewHandler(CookieContainer? cookies = null) => new()
    {
        CookieContainer = cookies ?? new CookieContainer(),
        UseCookies = cookies is not null,
        AllowAutoRedirect = false,
        SslOptions = { RemoteCertificateValidationCallback = TestCertificate.IsTheTestCertificate },
    };

    /// <summary>This client's cookies (its session), to share with a client of another instance.</summary>
    public CookieContainer Cookies => cookies!;

    /// <summary>The client's HTTP client (its cookies, no redirects followed), for requests the methods here do not cover.</summary>
    public HttpClient Http => _http;

    /// <summary>The instance of the site this client talks to.</summary>
    public Uri BaseAddress => baseAddress;

    /// <summary>A fresh address: <paramref name="who"/>, a dash and 8 random hex digits, at example.test (RFC 2606).</summary>
    public static string NewEmail(string who) => $"{who}-{Guid.NewGuid():N}"[..(who.Length + 9)] + "@example.test";

    /// <summary>Signs up through Identity's Register form (a new address unless given) and returns the address.</summary>
    /// <exception cref="UnexpectedResponseException">The form did not redirect, as it does on success.</exception>
    public async Task<string> RegisterAsync(string? email = null)
    {
        email ??= NewEmail("user");
        var response = await PostFormAsync("/Identity/Account/Register", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Password,
            ["Input.ConfirmPassword"] = Password,
        });
        await UnexpectedResponseException.ThrowUnlessAsync(response, HttpStatusCode.Redirect, $"signing up {email}");
        return email;
    }

    /// <summary>Submits the sign-in form; the response is the caller's to judge (a redirect on success).</summary>
    public async Task<HttpResponseMessage> LoginAsync(string email, string password = Password) =>
        await PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });

    /// <summary>Creates a room through the home page's form and returns its slug (decoded: slugs keep every script).</summary>
    /// <exception cref="UnexpectedResponseException">The form did not redirect to /rooms/{slug}.</exception>
    public async Task<string> CreateRoomAsync(string name, bool isPrivate = false)
    {
        var fields = new Dictionary<string, string> { ["Input.Name"] = name };
        if (isPrivate) fields["Input.IsPrivate"] = "true";
        var response = await PostFormAsync("/", fields);
        await UnexpectedResponseException.ThrowUnlessAsync(response, HttpStatusCode.Redirect, $"creating room \"{name}\"");
        var location = response.Headers.Location?.OriginalString ?? "";
        if (!location.StartsWith("/rooms/", StringComparison.Ordinal))
        {
            throw await UnexpectedResponseException.BecauseAsync(response, $"creating room \"{name}\" redirected to \"{location}\", not to /rooms/{{slug}}");
        }
        return Uri.UnescapeDataString(location["/rooms/".Length..]);
    }

    public async Task<HttpResponseMessage> SignOutAsync() =>
        await PostFormAsync("/Identity/Account/Logout", [], formPage: "/");

    public async Task<HttpResponseMessage> SignOutEverywhereAsync() =>
        await PostFormAsync("/Identity/Account/Manage?handler=SignOutEverywhere", [], formPage: "/Identity/Account/Manage");

    public async Task<HttpResponseMessage> ChangePasswordAsync(string newPassword) =>
        await PostFormAsync("/Identity/Account/Manage/ChangePassword", new()
        {
            ["Input.OldPassword"] = Password,
            ["Input.NewPassword"] = newPassword,
            ["Input.ConfirmPassword"] = newPassword,
        });

    public async Task<HttpResponseMessage> DeleteAccountAsync() =>
        await PostFormAsync("/Identity/Account/Manage/DeletePersonalData", new() { ["Input.Password"] = Password });

    public async Task<HttpResponseMessage> SetDisplayNameAsync(string displayName) =>
        await PostFormAsync("/Identity/Account/Manage", new() { ["Input.DisplayName"] = displayName });

    public async Task<HttpResponseMessage> InviteAsync(string slug, string nameOrEmail) =>
        await PostFormAsync($"/rooms/{slug}?handler=Invite", new() { ["Invite.NameOrEmail"] = nameOrEmail }, formPage: $"/rooms/{slug}");

    public async Task<HttpResponseMessage> RemoveMemberAsync(string slug, string userId) =>
        await PostFormAsync($"/rooms/{slug}?handler=Remove&userId={userId}", [], formPage: $"/rooms/{slug}");

    /// <summary>
    /// Turns on two-factor sign-in the way a person does on Manage/EnableAuthenticator: reads the shared key the page
    /// shows and confirms it with a code from it. Returns the shared key, for the codes of later sign-ins.
    /// </summary>
    public async Task<string> EnableAuthenticatorAsync()
    {
        const string path = "/Identity/Account/Manage/EnableAuthenticator";
        var page = await _http.GetStringAsync(path);
        var sharedKey = System.Net.WebUtility.HtmlDecode(SharedKey().Match(page).Groups[1].Value);
        var response = await _http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Code"] = AuthenticatorCodes.Now(sharedKey),
            ["__RequestVerificationToken"] = FormToken(page),
        }));
        await UnexpectedResponseException.ThrowUnlessAsync(response, HttpStatusCode.Redirect, "turning on the authenticator");
        var location = response.Headers.Location?.OriginalString ?? "";
        if (!location.EndsWith("/Identity/Account/Manage/ShowRecoveryCodes", StringComparison.Ordinal))
        {
            throw await UnexpectedResponseException.BecauseAsync(response, $"turning on the authenticator redirected to \"{location}\", not to the recovery codes");
        }
        return sharedKey;
    }

    /// <summary>This person's user id, as the site put it in their socket token.</summary>
    public async Task<string> UserIdAsync(string slug) =>
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken((await SocketTokenAsync(slug)).Token).Subject;

    public async Task<HttpResponseMessage> RequestSocketTokenAsync(string slug, bool withAntiforgery = true)
    {
        var antiforgery = withAntiforgery ? await RoomAntiforgeryTokenAsync(slug) : null;
        var request = new HttpRequestMessage(HttpMethod.Post, $"/rooms/{slug}?handler=SocketToken");
        if (antiforgery is not null) request.Headers.Add("RequestVerificationToken", antiforgery);
        return await _http.SendAsync(request);
    }

    /// <summary>Mints a socket token for <paramref name="slug"/> the room page's way (its antiforgery value fetched first).</summary>
    /// <exception cref="UnexpectedResponseException">The handler did not answer 200.</exception>
    public async Task<SocketToken> SocketTokenAsync(string slug)
    {
        using var response = await RequestSocketTokenAsync(slug);
        return await ReadSocketTokenAsync(response, slug);
    }

    /// <summary>
    /// Mints a socket token with an antiforgery value already read from the room page
    /// (<see cref="RoomAntiforgeryTokenAsync"/>): one request, for callers minting many (the benchmark).
    /// </summary>
    /// <exception cref="UnexpectedResponseException">The handler did not answer 200.</exception>
    public async Task<SocketToken> SocketTokenAsync(string slug, string antiforgery)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/rooms/{slug}?handler=SocketToken");
        request.Headers.Add("RequestVerificationToken", antiforgery);
        using var response = await _http.SendAsync(request);
        return await ReadSocketTokenAsync(response, slug);
    }

    private static async Task<SocketToken> ReadSocketTokenAsync(HttpResponseMessage response, string slug)
    {
        await UnexpectedResponseException.ThrowUnlessAsync(response, HttpStatusCode.OK, $"minting a socket token for room {slug}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new SocketToken(body.GetProperty("token").GetString()!, body.GetProperty("expiresAt").GetDateTime().ToUniversalTime());
    }

    /// <summary>Opens a socket the browser's way: the token in a subprotocol beside chat.v1.</summary>
    public async Task<ClientWebSocket> ConnectAsync(string slug, long? after = null) =>
        await ConnectWithTokenAsync(slug, (await SocketTokenAsync(slug)).Token, after);

    public async Task<ClientWebSocket> ConnectWithTokenAsync(string slug, string token, long? after = null)
    {
        var socket = NewSocket();
        socket.Options.AddSubProtocol("chat.v1");
        socket.Options.AddSubProtocol("bearer." + token);
        await ConnectSocketAsync(socket, SocketUri(slug, after is null ? null : $"after={after}"));
        return socket;
    }

    /// <summary>A socket for <see cref="SocketHttpVersion"/> that keeps the HTTP status of the upgrade.</summary>
    public ClientWebSocket NewSocket()
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.HttpVersion = SocketHttpVersion;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        if (_acceptLanguage is not null) socket.Options.SetRequestHeader("Accept-Language", _acceptLanguage);
        return socket;
    }

    /// <summary>
    /// HTTP/2 sockets are streams of a pooled connection, so they need a handler that outlives them: one for the
    /// run, allowed more than one connection per server (Kestrel allows 100 streams on each).
    /// </summary>
    private static readonly HttpMessageInvoker Http2Sockets = new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        SslOptions = { RemoteCertificateValidationCallback = TestCertificate.IsTheTestCertificate },
    });

    /// <summary>Connects <paramref name="socket"/>, trusting the test certificate over TLS.</summary>
    public static async Task ConnectSocketAsync(ClientWebSocket socket, Uri uri)
    {
        if (socket.Options.HttpVersion == HttpVersion.Version20)
        {
            await socket.ConnectAsync(uri, Http2Sockets, TimeoutToken());
            return;
        }
        socket.Options.RemoteCertificateValidationCallback = TestCertificate.IsTheTestCertificate;
        await socket.ConnectAsync(uri, TimeoutToken());
    }

    /// <summary>Attempts an upgrade and returns the HTTP status the server answered (101 when it accepted).</summary>
    public async Task<HttpStatusCode> UpgradeStatusAsync(string slug, string? token, string? origin = null, string? query = null,
        IEnumerable<string>? subProtocols = null)
    {
        using var socket = NewSocket();
        foreach (var protocol in subProtocols ?? ["chat.v1", .. token is null ? Array.Empty<string>() : ["bearer." + token]])
        {
            socket.Options.AddSubProtocol(protocol);
        }
        if (origin is not null) socket.Options.SetRequestHeader("Origin", origin);
        try
        {
            await ConnectSocketAsync(socket, SocketUri(slug, query));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", TimeoutToken());
        }
        catch (WebSocketException) when (socket.State != WebSocketState.Open)
        {
            // Refused: the status the server answered is the result.
        }
        return socket.HttpStatusCode;
    }

    public Uri SocketUri(string slug, string? query = null) =>
        new($"{(baseAddress.Scheme == Uri.UriSchemeHttps ? "wss" : "ws")}://{baseAddress.Authority}/ws/rooms/{slug}{(query is null ? "" : "?" + query)}");

    public async Task<string> RoomAntiforgeryTokenAsync(string slug)
    {
        var page = await _http.GetStringAsync($"/rooms/{slug}");
        return AntiforgeryAttribute().Match(page).Groups[1].Value;
    }

    /// <summary>Posts a form with the antiforgery token from the page that shows it (or from <paramref name="formPage"/>).</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields, string? formPage = null)
    {
        fields["__RequestVerificationToken"] = await FormTokenAsync(formPage ?? path);
        return await _http.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    /// <summary>The antiforgery token of the first form on a page, as a browser would submit it.</summary>
    public async Task<string> FormTokenAsync(string page) => FormToken(await _http.GetStringAsync(page));

    public static string FormToken(string html) => HiddenAntiforgeryField().Match(html).Groups[1].Value;

    public static CancellationToken TimeoutToken(int seconds = 10) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("<kbd>([^<]+)</kbd>")]
    private static partial Regex SharedKey();

    [GeneratedRegex("data-antiforgery=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryAttribute();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenAntiforgeryField();
}
