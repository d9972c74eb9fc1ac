using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

/// <summary>Clients that flood, hoard sockets, stall handshakes or try to get tokens into the logs.</summary>
[Collection(StrictChatServerCollection.Name)]
public sealed class HostileClientTests(StrictChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _mallory = server.NewVisitor();
    private string _slug = "";

    public async Task InitializeAsync()
    {
        _slug = await _mallory.SignUpWithRoomAsync("Hostile");
    }

    public Task DisposeAsync()
    {
        _mallory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Messages_beyond_the_rate_limit_are_rejected_and_not_stored()
    {
        using var socket = await _mallory.ConnectAsync(_slug);

        for (var i = 0; i < 25; i++) await socket.SendMessageAsync($"burst {i}");
        var answers = new List<string>();
        for (var i = 0; i < 25; i++) answers.Add(await socket.ReceiveTextAsync());

        var accepted = answers.Count(a => a.Contains("class=\"message\""));
        var slowDowns = answers.Count(a => a.Contains("Slow down"));
        Assert.InRange(accepted, 20, 22);
        Assert.Equal(25, accepted + slowDowns);
        Assert.Equal(accepted, await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == _slug)));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    /// <summary>Edits and deletions are changes to the room like new messages, and share their budget.</summary>
    [Theory]
    [InlineData("edit")]
    [InlineData("delete")]
    public async Task Edits_and_deletions_beyond_the_rate_limit_are_rejected(string kind)
    {
        using var socket = await _mallory.ConnectAsync(_slug);
        await socket.SendMessageAsync("the one to change");
        var id = System.Text.RegularExpressions.Regex.Match(await socket.ReceiveTextAsync(), "id=\"m-(\\d+)\"").Groups[1].Value;

        // A deletion of a message already deleted is refused for that, once the budget lets it through.
        for (var i = 0; i < 25; i++) await socket.SendTextAsync($$"""{"type":"{{kind}}","id":{{id}},"text":"version {{i}}"}""");
        var answers = new List<string>();
        for (var i = 0; i < 25; i++) answers.Add(await socket.ReceiveTextAsync());

        Assert.InRange(answers.Count(a => a.Contains("Slow down")), 2, 6);
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Sustained_flood_is_closed_with_1008()
    {
        using var socket = await _mallory.ConnectAsync(_slug);

        for (var i = 0; i < 80; i++) await socket.SendMessageAsync($"flood {i}");

        WebSocketCloseStatus? close;
        do
        {
            close = (await socket.ReceiveAsync()).Close;
        }
        while (close is null);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close);
    }

    [Fact]
    public async Task The_socket_beyond_the_per_user_cap_gets_429()
    {
        using var hoarder = server.NewVisitor();
        await hoarder.RegisterAsync();
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < 20; i++) sockets.Add(await hoarder.ConnectAsync(_slug));

        Assert.Equal(HttpStatusCode.TooManyRequests, await hoarder.UpgradeStatusAsync(_slug, (await hoarder.SocketTokenAsync(_slug)).Token));

        await sockets[0].CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
        await Eventually(async () => await hoarder.UpgradeStatusAsync(_slug, (await hoarder.SocketTokenAsync(_slug)).Token) == HttpStatusCode.SwitchingProtocols);
        foreach (var socket in sockets) socket.Dispose();
    }

    [Fact]
    public async Task An_upgrade_that_never_finishes_its_headers_is_dropped()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /ws/rooms/{_slug} HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\nUpgrade: websocket\r\n"));

        // Kestrel answers 408 or simply hangs up; either way the connection ends long before its default 30 s.
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        while (await stream.ReadAsync(buffer, timeout.Token) > 0) { }
    }

    [Fact]
    public async Task Token_in_the_query_never_reaches_the_logs()
    {
        var token = (await _mallory.SocketTokenAsync(_slug)).Token;
        using var socket = new ClientWebSocket();

        await socket.ConnectAsync(_mallory.SocketUri(_slug, "access_token=" + token), SiteClient.TimeoutToken());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());

        // The server's own request logging (turned up to Trace by this server's configuration) shows the
        // request with the value replaced, and the token appears nowhere.
        await Eventually(() => Task.FromResult(server.Logs.Lines.Any(line => line.Contains("access_token=REDACTED"))));
        Assert.DoesNotContain(token, server.Logs.All);
        Assert.DoesNotContain(token.Split('.')[2], server.Logs.All);
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(100);
        }
    }
}
