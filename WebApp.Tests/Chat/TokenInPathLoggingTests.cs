using System.Net.Sockets;
using System.Text;
using WebApp.Tests.Infrastructure;
using WebApp.Tests.Security;

namespace WebApp.Tests.Chat;

/// <summary>
/// A credential in the URL path never reaches a log at any level: a socket token sent as the room slug, as an extra
/// segment, inside a segment, or percent-encoded, on the socket path and on ordinary page paths. The request log
/// still names the path, with the token's segment replaced by REDACTED.
/// </summary>
[Collection(TraceLoggingCollection.Name)]
public sealed class TokenInPathLoggingTests(TraceLoggingChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _alice = server.NewVisitor();
    private string _slug = "";

    public async Task InitializeAsync()
    {
        await _alice.RegisterAsync();
        _slug = await _alice.CreateRoomAsync("Path never logged");
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Paths holding the token: {0} is the token as sent, {1} a real room's slug.</summary>
    public static TheoryData<string> Paths => new()
    {
        "/ws/rooms/{0}",
        "/ws/rooms/{1}/{0}",
        "/ws/rooms/{0}/{1}",
        "/ws/rooms/room-{0}",
        "/ws/{0}/rooms/{1}",
        "/rooms/{0}",
        "/rooms/{1}/{0}",
        "/{0}",
        "/Identity/Account/Login/{0}",
        "/Identity/Account/Manage/{0}",
        "/no-such-page/{0}/more",
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Token_in_the_path_of_a_socket_upgrade_is_never_logged(string path) =>
        await AssertPathNeverLoggedAsync(path, encode: false, upgrade: true);

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Token_in_the_path_of_a_page_request_is_never_logged(string path) =>
        await AssertPathNeverLoggedAsync(path, encode: false, upgrade: false);

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Percent_encoded_token_in_the_path_is_never_logged(string path)
    {
        await AssertPathNeverLoggedAsync(path, encode: true, upgrade: true);
        await AssertPathNeverLoggedAsync(path, encode: true, upgrade: false);
    }

    [Fact]
    public async Task Refusal_of_a_token_sent_as_the_room_slug_is_logged_without_it()
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;

        var status = await RawRequestAsync($"/ws/rooms/{token}?trace={Guid.NewGuid():N}", upgrade: true);

        Assert.Equal(401, status);
        Assert.Contains(server.TraceLogs.Lines, line => line.Contains("rejected with 401") && line.Contains("room REDACTED"));
        server.TraceLogs.AssertNeverLogged(token);
    }

    [Fact]
    public async Task Paths_without_a_credential_stay_readable_in_the_request_log()
    {
        var marker = Guid.NewGuid().ToString("N");

        await RawRequestAsync($"/rooms/{_slug}/eyJ-not-a-token?trace={marker}", upgrade: false);

        Assert.Contains($"/rooms/{_slug}/eyJ-not-a-token", await server.TraceLogs.RequestLineAsync(marker));
    }

    private async Task AssertPathNeverLoggedAsync(string path, bool encode, bool upgrade)
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;
        var marker = Guid.NewGuid().ToString("N");
        // Every byte as %XX: the server decodes the path before routing and logging, so this spelling is the same path.
        var sent = encode ? string.Concat(Encoding.ASCII.GetBytes(token).Select(b => $"%{b:X2}")) : token;

        var status = await RawRequestAsync($"{string.Format(path, sent, _slug)}?trace={marker}", upgrade);

        Assert.NotEqual(500, status);
        Assert.Contains("REDACTED", await server.TraceLogs.RequestLineAsync(marker));
        server.TraceLogs.AssertNeverLogged(token);
    }

    /// <summary>
    /// Sends GET with exactly this target (an HttpClient's Uri would normalise percent-encoding), as a WebSocket
    /// upgrade or a page load, returns the status code, and hangs up.
    /// </summary>
    private async Task<int> RawRequestAsync(string target, bool upgrade)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = tcp.GetStream();
        var request = new StringBuilder($"GET {target} HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\n");
        if (upgrade)
        {
            request.Append("Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n")
                .Append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync(SiteClient.TimeoutToken());
        return int.Parse(statusLine!.Split(' ')[1]);
    }
}
