using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WebApp.Bench;

/// <summary>One account, driven through the site's real forms and token handler, as a browser would.</summary>
public sealed partial class BenchUser(Uri site) : IDisposable
{
    private const string Password = "Bench-Pa$$w0rd-1";
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        CookieContainer = new CookieContainer(),
        AllowAutoRedirect = false,
        MaxConnectionsPerServer = 256,
    }) { BaseAddress = site };
    private string? _roomAntiforgery;

    public HttpClient Http => _http;

    /// <summary>The instance this user talks to.</summary>
    public Uri Site => site;

    public async Task RegisterAsync()
    {
        var email = $"bench-{Guid.NewGuid():N}@example.test";
        var response = await PostFormAsync("/Identity/Account/Register", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Password,
            ["Input.ConfirmPassword"] = Password,
        });
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"registration answered {(int)response.StatusCode}");
    }

    public async Task<string> CreateRoomAsync(string name)
    {
        var response = await PostFormAsync("/", new() { ["Input.Name"] = name });
        var location = response.Headers.Location?.OriginalString ?? throw new InvalidOperationException("room was not created");
        return location["/rooms/".Length..];
    }

    public async Task<string> MintTokenAsync(string slug)
    {
        _roomAntiforgery ??= AntiforgeryAttribute().Match(await _http.GetStringAsync($"/rooms/{slug}")).Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/rooms/{slug}?handler=SocketToken");
        request.Headers.Add("RequestVerificationToken", _roomAntiforgery);
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    public static async Task<ClientWebSocket> ConnectAsync(Uri site, string slug, string token, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("chat.v1");
        socket.Options.AddSubProtocol("bearer." + token);
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(new Uri($"ws://{site.Authority}/ws/rooms/{slug}"), cancellationToken);
        return socket;
    }

    private async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields)
    {
        var form = await _http.GetStringAsync(path);
        fields["__RequestVerificationToken"] = HiddenAntiforgeryField().Match(form).Groups[1].Value;
        return await _http.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("data-antiforgery=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryAttribute();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenAntiforgeryField();
}
