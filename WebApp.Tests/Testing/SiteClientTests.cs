using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Testing;

/// <summary>
/// The shared client has no test framework in it: a step the site refuses must still fail the test, with the step,
/// the status and the start of the body in the message.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class SiteClientTests(ChatServer server)
{
    [Fact]
    public async Task A_refused_token_request_throws_with_the_step_and_the_status()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Refused mint");

        var refused = await Assert.ThrowsAsync<UnexpectedResponseException>(() => alice.SocketTokenAsync(slug, "not-an-antiforgery-token"));

        Assert.Contains($"minting a socket token for room {slug}", refused.Message);
        Assert.Contains("got 400", refused.Message);
    }

    [Fact]
    public async Task A_room_form_that_does_not_lead_to_a_room_throws_with_the_step()
    {
        using var stranger = server.NewVisitor();

        var refused = await Assert.ThrowsAsync<UnexpectedResponseException>(() => stranger.CreateRoomAsync("Nobody's room"));

        Assert.Contains("creating room \"Nobody's room\"", refused.Message);
    }
}
