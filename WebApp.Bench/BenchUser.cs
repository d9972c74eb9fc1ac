using System.Net.WebSockets;

namespace WebApp.Bench;

/// <summary>
/// One account, driven through the site's real forms and token handler by the tests' <see cref="SiteClient"/>, as a
/// browser behind a TLS-terminating proxy (<see cref="BehindTlsProxyHandler"/>). What is the bench's own: the room's
/// antiforgery value is read once and reused, so a timed mint is one request, and sockets are opened bare (no
/// keep-alive pings, no kept upgrade headers) so they measure only the site.
/// </summary>
public sealed class BenchUser(Uri site) : IDisposable
{
    private readonly SiteClient _client = new(site, behindTlsProxy: true);
    private string? _roomAntiforgery;

    public HttpClient Http => _client.Http;

    /// <summary>The instance this user talks to.</summary>
    public Uri Site => site;

    /// <summary>Signs up with a whole GUID in the address: thousands of bench users must never collide.</summary>
    public Task RegisterAsync() => _client.RegisterAsync($"bench-{Guid.NewGuid():N}@example.test");

    public Task<string> CreateRoomAsync(string name) => _client.CreateRoomAsync(name);

    public async Task<string> MintTokenAsync(string slug)
    {
        _roomAntiforgery ??= await _client.RoomAntiforgeryTokenAsync(slug);
        return (await _client.SocketTokenAsync(slug, _roomAntiforgery)).Token;
    }

    /// <summary>
    /// An upgrade as a browser sends it through the TLS proxy: the token in a subprotocol beside chat.v1, the page's
    /// https Origin (which the site checks against its own, as seen behind the proxy), and the proxy's forwarded scheme.
    /// </summary>
    public static async Task<ClientWebSocket> ConnectAsync(Uri site, string slug, string token, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("chat.v1");
        socket.Options.AddSubProtocol("bearer." + token);
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.SetRequestHeader("Origin", BehindTlsProxyHandler.OriginOf(site));
        socket.Options.SetRequestHeader(BehindTlsProxyHandler.ForwardedProto, "https");
        await socket.ConnectAsync(new Uri($"ws://{site.Authority}/ws/rooms/{slug}"), cancellationToken);
        return socket;
    }

    public void Dispose() => _client.Dispose();
}
