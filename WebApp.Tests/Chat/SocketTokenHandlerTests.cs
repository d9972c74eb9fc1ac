using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

[Collection(ChatServerCollection.Name)]
public sealed class SocketTokenHandlerTests(ChatServer server)
{
    [Fact]
    public async Task Signed_in_member_gets_a_short_lived_single_room_token()
    {
        using var alice = server.NewVisitor();
        var email = await alice.RegisterAsync(SiteClient.NewEmail("alice"));
        var slug = await alice.CreateRoomAsync("Token room");

        var response = await alice.RequestSocketTokenAsync(slug);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var jwt = new JsonWebToken(body.GetProperty("token").GetString());
        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal("chat-socket+jwt", jwt.Typ);
        Assert.Equal(ChatServer.Issuer, jwt.Issuer);
        Assert.Equal([ChatServer.Audience], jwt.Audiences);
        Assert.Equal(slug, jwt.GetPayloadValue<string>("room"));
        Assert.Equal(email.Split('@')[0], jwt.GetPayloadValue<string>("name"));
        Assert.False(string.IsNullOrEmpty(jwt.Subject));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.True(jwt.TryGetPayloadValue<long>("iat", out _));
        Assert.True(jwt.TryGetPayloadValue<long>("nbf", out _));
        Assert.Equal(TimeSpan.FromSeconds(60), jwt.ValidTo - jwt.IssuedAt);

        var expiresAt = body.GetProperty("expiresAt").GetString()!;
        Assert.EndsWith("Z", expiresAt);
        Assert.Equal(jwt.ValidTo, DateTime.Parse(expiresAt).ToUniversalTime());
    }

    [Fact]
    public async Task Each_request_mints_a_different_token()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Fresh tokens");

        var first = new JsonWebToken((await alice.SocketTokenAsync(slug)).Token);
        var second = new JsonWebToken((await alice.SocketTokenAsync(slug)).Token);

        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public async Task Signed_out_request_gets_401_without_a_redirect()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Signed out room");
        using var stranger = server.NewVisitor();

        var response = await stranger.Http.PostAsync($"/rooms/{slug}?handler=SocketToken", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Unknown_room_gets_404()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Real room");
        var antiforgery = await alice.RoomAntiforgeryTokenAsync(slug);

        var request = new HttpRequestMessage(HttpMethod.Post, "/rooms/no-such-room?handler=SocketToken");
        request.Headers.Add("RequestVerificationToken", antiforgery);
        var response = await alice.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Request_without_antiforgery_token_is_refused()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Forged post");

        var response = await alice.RequestSocketTokenAsync(slug, withAntiforgery: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
