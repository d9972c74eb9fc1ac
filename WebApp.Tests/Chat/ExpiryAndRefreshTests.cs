using System.Diagnostics;
using System.Text.Json;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

/// <summary>Every socket has a deadline (its token's exp); only an in-band refresh that passes every upgrade rule moves it.</summary>
[Collection(StrictChatServerCollection.Name)]
public sealed class ExpiryAndRefreshTests(StrictChatServer server) : IAsyncLifetime
{
    private const int Unauthorized = 4001;
    private const int Forbidden = 4003;
    private readonly SiteClient _alice = server.NewVisitor();
    private string _slug = "";

    public async Task InitializeAsync()
    {
        _slug = await _alice.SignUpWithRoomAsync("Deadlines");
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        return Task.CompletedTask;
    }

    private static Task SendRefreshAsync(System.Net.WebSockets.WebSocket socket, string token) =>
        socket.SendTextAsync(JsonSerializer.Serialize(new { type = "refresh", token }));

    [Fact]
    public async Task Socket_is_closed_with_4001_when_its_token_expires()
    {
        var start = Stopwatch.GetTimestamp();
        using var socket = await _alice.ConnectAsync(_slug);
        var watch = new CloseWatch(socket);

        var (status, reason, after) = await watch.ClosedAsync(start);

        Assert.Equal(Unauthorized, (int?)status);
        Assert.Equal("authorization expired", reason);
        // exp is whole seconds (RFC 7519 NumericDate), so the deadline may fall up to 1 s early, plus the time measured around it.
        Assert.InRange(after, StrictChatServer.TokenLifetime - TimeSpan.FromSeconds(1.5), StrictChatServer.TokenLifetime + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Refresh_moves_the_deadline_to_the_new_tokens_expiry()
    {
        using var socket = await _alice.ConnectAsync(_slug);
        var watch = new CloseWatch(socket);

        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(StrictChatServer.TokenLifetime / 2);
            await SendRefreshAsync(socket, (await _alice.SocketTokenAsync(_slug)).Token);
        }
        var lastRefresh = Stopwatch.GetTimestamp();

        // Four and a half seconds after connecting, well past the first token's three.
        Assert.False(watch.IsClosed);
        var (status, _, after) = await watch.ClosedAsync(lastRefresh);
        Assert.Equal(Unauthorized, (int?)status);
        // exp is whole seconds (RFC 7519 NumericDate), so the deadline may fall up to 1 s early, plus the time measured around it.
        Assert.InRange(after, StrictChatServer.TokenLifetime - TimeSpan.FromSeconds(1.5), StrictChatServer.TokenLifetime + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Refresh_with_another_users_token_closes_the_socket()
    {
        using var bob = server.NewVisitor();
        await bob.RegisterAsync();
        using var socket = await _alice.ConnectAsync(_slug);
        var watch = new CloseWatch(socket);

        await SendRefreshAsync(socket, (await bob.SocketTokenAsync(_slug)).Token);

        var (status, reason, _) = await watch.ClosedAsync(Stopwatch.GetTimestamp());
        Assert.Equal(Unauthorized, (int?)status);
        Assert.Contains("another user", reason);
    }

    [Fact]
    public async Task Refresh_with_an_already_used_token_closes_the_socket()
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;
        using var socket = await _alice.ConnectWithTokenAsync(_slug, token);
        var watch = new CloseWatch(socket);

        await SendRefreshAsync(socket, token);

        var (status, reason, _) = await watch.ClosedAsync(Stopwatch.GetTimestamp());
        Assert.Equal(Unauthorized, (int?)status);
        Assert.Contains("already used", reason);
    }

    [Fact]
    public async Task Refresh_with_a_token_for_another_room_closes_with_4003()
    {
        var otherRoom = await _alice.CreateRoomAsync("Other deadlines");
        using var socket = await _alice.ConnectAsync(_slug);
        var watch = new CloseWatch(socket);

        await SendRefreshAsync(socket, (await _alice.SocketTokenAsync(otherRoom)).Token);

        var (status, reason, _) = await watch.ClosedAsync(Stopwatch.GetTimestamp());
        Assert.Equal(Forbidden, (int?)status);
        Assert.Contains("another room", reason);
    }

    [Fact]
    public async Task Signed_out_browser_cannot_get_the_token_a_refresh_needs()
    {
        using var socket = await _alice.ConnectAsync(_slug);
        var watch = new CloseWatch(socket);

        await _alice.SignOutAsync();

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await _alice.Http.PostAsync($"/rooms/{_slug}?handler=SocketToken", null)).StatusCode);
        Assert.Equal(Unauthorized, (int?)(await watch.ClosedAsync(Stopwatch.GetTimestamp())).Status);
    }
}
