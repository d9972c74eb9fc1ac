using System.Net;
using System.Net.WebSockets;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Deployment;

/// <summary>
/// Browsers open WebSockets over HTTP/2 (an extended CONNECT, RFC 8441) whenever the site speaks HTTP/2, which Kestrel
/// does over TLS by default. The socket endpoint answers both ways with the same checks and the same statuses.
/// </summary>
[Collection(HttpsChatServerCollection.Name)]
public sealed class Http2SocketTests(HttpsChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _alice = new(server.BaseAddress) { SocketHttpVersion = HttpVersion.Version20 };
    private string _slug = "";
    private string _otherSlug = "";

    public async Task InitializeAsync()
    {
        _slug = await _alice.SignUpWithRoomAsync("Over HTTP/2");
        _otherSlug = await _alice.CreateRoomAsync("Another room");
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Extended_connect_is_accepted_and_chats_with_a_socket_over_http1()
    {
        using var http2 = await _alice.ConnectAsync(_slug, after: 0);
        using var http1Client = new SiteClient(server.BaseAddress, _alice.Cookies);
        using var http1 = await http1Client.ConnectAsync(_slug, after: 0);

        Assert.Equal(HttpStatusCode.OK, http2.HttpStatusCode); // RFC 8441 §5: 2xx is HTTP/2's 101
        Assert.Equal(HttpStatusCode.SwitchingProtocols, http1.HttpStatusCode);
        Assert.Equal("chat.v1", http2.SubProtocol);

        await http2.SendMessageAsync("sent over HTTP/2");
        Assert.Contains("sent over HTTP/2", await http1.ReceiveTextAsync());
        Assert.Contains("sent over HTTP/2", await http2.ReceiveTextAsync());
        await http1.SendMessageAsync("sent over HTTP/1.1");
        Assert.Contains("sent over HTTP/1.1", await http2.ReceiveTextAsync());
        Assert.Contains(server.Logs.Lines, line => line.Contains("Socket opened") && line.Contains("over HTTP/2"));
    }

    public static TheoryData<string, HttpStatusCode> Refusals => new()
    {
        { "two bearer subprotocols", HttpStatusCode.BadRequest },
        { "bearer without chat.v1", HttpStatusCode.BadRequest },
        { "token in subprotocol and query", HttpStatusCode.BadRequest },
        { "two access_token parameters", HttpStatusCode.BadRequest },
        { "after not a whole number", HttpStatusCode.BadRequest },
        { "missing token", HttpStatusCode.Unauthorized },
        { "malformed token", HttpStatusCode.Unauthorized },
        { "badly signed token", HttpStatusCode.Unauthorized },
        { "already used token", HttpStatusCode.Unauthorized },
        { "token for another room", HttpStatusCode.Forbidden },
        { "foreign origin", HttpStatusCode.Forbidden },
        { "no such room", HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Every_refusal_has_the_same_status_over_http2_as_over_http1(string refusal, HttpStatusCode expected)
    {
        var statuses = new Dictionary<Version, HttpStatusCode>();
        foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            using var client = new SiteClient(server.BaseAddress, _alice.Cookies) { SocketHttpVersion = version };
            statuses[version] = await AttemptAsync(client, refusal);
        }

        Assert.Equal(expected, statuses[HttpVersion.Version11]);
        Assert.Equal(expected, statuses[HttpVersion.Version20]);
    }

    [Fact]
    public async Task A_plain_request_to_the_socket_path_is_refused_with_400_over_both_versions()
    {
        foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/ws/rooms/{_slug}") { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            var response = await _alice.Http.SendAsync(request);
            Assert.Equal(version, response.Version);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    [Fact]
    public async Task The_per_user_socket_cap_gives_429_over_http2()
    {
        using var bob = new SiteClient(server.BaseAddress) { SocketHttpVersion = HttpVersion.Version20 };
        await bob.RegisterAsync();
        var open = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 3; i++) open.Add(await bob.ConnectAsync(_slug));

            Assert.Equal(HttpStatusCode.TooManyRequests, await bob.UpgradeStatusAsync(_slug, (await bob.SocketTokenAsync(_slug)).Token));
        }
        finally
        {
            foreach (var socket in open) socket.Dispose();
        }
    }

    private async Task<HttpStatusCode> AttemptAsync(SiteClient client, string refusal)
    {
        async Task<string> Token(string slug) => (await client.SocketTokenAsync(slug)).Token;
        switch (refusal)
        {
            case "two bearer subprotocols":
                return await client.UpgradeStatusAsync(_slug, null, subProtocols: ["chat.v1", "bearer." + await Token(_slug), "bearer." + await Token(_slug)]);
            case "bearer without chat.v1":
                return await client.UpgradeStatusAsync(_slug, null, subProtocols: ["bearer." + await Token(_slug)]);
            case "token in subprotocol and query":
                return await client.UpgradeStatusAsync(_slug, await Token(_slug), query: "access_token=" + await Token(_slug));
            case "two access_token parameters":
                return await client.UpgradeStatusAsync(_slug, null, query: $"access_token={await Token(_slug)}&access_token={await Token(_slug)}");
            case "after not a whole number":
                return await client.UpgradeStatusAsync(_slug, await Token(_slug), query: "after=-1");
            case "missing token":
                return await client.UpgradeStatusAsync(_slug, null);
            case "malformed token":
                return await client.UpgradeStatusAsync(_slug, "not-a-jwt");
            case "badly signed token":
                return await client.UpgradeStatusAsync(_slug, ForgedTokens.From(await Token(_slug), new() { SigningKey = new string('x', 64) }));
            case "already used token":
                var token = await Token(_slug);
                using (await client.ConnectWithTokenAsync(_slug, token)) { }
                return await client.UpgradeStatusAsync(_slug, token);
            case "token for another room":
                return await client.UpgradeStatusAsync(_slug, await Token(_otherSlug));
            case "foreign origin":
                return await client.UpgradeStatusAsync(_slug, await Token(_slug), origin: "https://evil.example");
            case "no such room":
                return await client.UpgradeStatusAsync("no-such-room", await Token(_slug));
            default:
                throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null);
        }
    }
}
