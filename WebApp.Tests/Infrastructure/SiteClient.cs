using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WebApp.Tests.Infrastructure;

public sealed record SocketToken(string Token, DateTime ExpiresAt);

/// <summary>
/// Drives the site the way a browser's forms do (register, create a room, fetch a socket token) with its own cookies.
/// Redirects are not followed, so tests see exactly what the server answered.
/// </summary>
/// <param name="cookies">Shared with another client to be the same browser session on another instance of the site.</param>
public sealed partial class SiteClient(Uri baseAddress, CookieContainer? cookies = null) : IDisposable
{
    public const string Password = "Pa$$w0rd-for-tests";

    private readonly HttpClient _http = new(NewHandler(cookies ??= new CookieContainer()))
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

    public HttpClient Http => _http;
    public Uri BaseAddress => baseAddress;

    public static string NewEmail(string who) => $"{who}-{Guid.NewGuid():N}"[..(who.Length + 9)] + "@example.test";

    public async Task<string> RegisterAsync(string? email = null)
    {
        email ??= NewEmail("user");
        var response = await PostFormAsync("/Identity/Account/Register", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Password,
            ["Input.ConfirmPassword"] = Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return email;
    }

    public async Task<HttpResponseMessage> LoginAsync(string email, string password = Password) =>
        await PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });

    /// <summary>Creates a room through the home page's form and returns its slug.</summary>
    public async Task<string> CreateRoomAsync(string name, bool isPrivate = false)
    {
        var fields = new Dictionary<string, string> { ["Input.Name"] = name };
        if (isPrivate) fields["Input.IsPrivate"] = "true";
        var response = await PostFormAsync("/", fields);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/rooms/", location);
        return location["/rooms/".Length..];
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
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.EndsWith("/Identity/Account/Manage/ShowRecoveryCodes", response.Headers.Location!.OriginalString);
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

    public async Task<SocketToken> SocketTokenAsync(string slug)
    {
        var response = await RequestSocketTokenAsync(slug);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
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
        catch (WebSocketException)
        {
            Assert.NotEqual(WebSocketState.Open, socket.State);
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
