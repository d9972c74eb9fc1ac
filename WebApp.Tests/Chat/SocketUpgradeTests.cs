using System.Net;
using System.Net.WebSockets;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

[Collection(ChatServerCollection.Name)]
public sealed class SocketUpgradeTests(ChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _alice = server.NewVisitor();
    private string _slug = "";

    public async Task InitializeAsync()
    {
        _slug = await _alice.SignUpWithRoomAsync("Upgrade room");
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Token_in_subprotocol_is_accepted_and_only_chat_v1_is_answered()
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol("chat.v1");
        socket.Options.AddSubProtocol("bearer." + token);

        await socket.ConnectAsync(_alice.SocketUri(_slug), SiteClient.TimeoutToken());

        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal("chat.v1", socket.SubProtocol);
        var answered = string.Join(" ", socket.HttpResponseHeaders!.SelectMany(h => h.Value));
        Assert.DoesNotContain(token, answered);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
    }

    [Fact]
    public async Task Token_in_query_is_accepted()
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;
        using var socket = new ClientWebSocket();

        await socket.ConnectAsync(_alice.SocketUri(_slug, "access_token=" + token), SiteClient.TimeoutToken());

        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
    }

    [Fact]
    public async Task Missing_token_is_refused_with_401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(_slug, token: null));
        Assert.Contains(server.Logs.Lines, line => line.Contains("missing token") && line.Contains(_slug));
    }

    [Fact]
    public async Task Token_for_another_room_is_refused_with_403()
    {
        var otherSlug = await _alice.CreateRoomAsync("Other room");
        var token = (await _alice.SocketTokenAsync(otherSlug)).Token;

        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeStatusAsync(_slug, token));
        AssertLoggedWithoutToken("token is for another room", token);
    }

    [Fact]
    public async Task Unknown_room_is_refused_with_404()
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;

        Assert.Equal(HttpStatusCode.NotFound, await UpgradeStatusAsync("no-such-room", token));
        AssertLoggedWithoutToken("unknown room", token);
    }

    [Fact]
    public async Task Foreign_origin_is_refused_with_403()
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;

        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeStatusAsync(_slug, token, origin: "http://evil.test"));
        AssertLoggedWithoutToken("origin not allowed", token);
    }

    [Fact]
    public async Task Own_origin_and_configured_origins_are_allowed()
    {
        var own = $"http://{server.BaseAddress.Authority}";
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeStatusAsync(_slug, (await _alice.SocketTokenAsync(_slug)).Token, origin: own));
        Assert.Equal(HttpStatusCode.SwitchingProtocols,
            await UpgradeStatusAsync(_slug, (await _alice.SocketTokenAsync(_slug)).Token, origin: ChatServer.AllowedForeignOrigin));
    }

    [Fact]
    public async Task Plain_http_request_to_the_socket_endpoint_gets_400()
    {
        var response = await _alice.Http.GetAsync($"/ws/rooms/{_slug}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Bearer_subprotocol_without_chat_v1_is_refused()
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol("bearer." + token);

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_alice.SocketUri(_slug), SiteClient.TimeoutToken()));

        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
    }

    private Task<HttpStatusCode> UpgradeStatusAsync(string slug, string? token, string? origin = null) =>
        _alice.UpgradeStatusAsync(slug, token, origin);

    private void AssertLoggedWithoutToken(string reason, string token)
    {
        Assert.Contains(server.Logs.Lines, line => line.Contains("rejected") && line.Contains(reason));
        Assert.DoesNotContain(token, server.Logs.All);
    }
}
