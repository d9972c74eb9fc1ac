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
public sealed partial class SiteClient(Uri baseAddress) : IDisposable
{
    public const string Password = "Pa$$w0rd-for-tests";

    private readonly HttpClient _http = new(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
    {
        BaseAddress = baseAddress,
    };

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
    public async Task<string> CreateRoomAsync(string name)
    {
        var response = await PostFormAsync("/", new() { ["Input.Name"] = name });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/rooms/", location);
        return location["/rooms/".Length..];
    }

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
    public async Task<ClientWebSocket> ConnectAsync(string slug)
    {
        var token = await SocketTokenAsync(slug);
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("chat.v1");
        socket.Options.AddSubProtocol("bearer." + token.Token);
        await socket.ConnectAsync(SocketUri(slug), TimeoutToken());
        return socket;
    }

    public Uri SocketUri(string slug, string? query = null) =>
        new($"ws://{baseAddress.Authority}/ws/rooms/{slug}{(query is null ? "" : "?" + query)}");

    private async Task<string> RoomAntiforgeryTokenAsync(string slug)
    {
        var page = await _http.GetStringAsync($"/rooms/{slug}");
        return AntiforgeryAttribute().Match(page).Groups[1].Value;
    }

    /// <summary>Posts a form with the antiforgery token from the page that shows it (or from <paramref name="formPage"/>).</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields, string? formPage = null)
    {
        var form = await _http.GetStringAsync(formPage ?? path);
        fields["__RequestVerificationToken"] = HiddenAntiforgeryField().Match(form).Groups[1].Value;
        return await _http.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    public static CancellationToken TimeoutToken(int seconds = 10) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("data-antiforgery=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryAttribute();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenAntiforgeryField();
}
