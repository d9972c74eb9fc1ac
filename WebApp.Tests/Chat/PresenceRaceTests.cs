using System.Net.WebSockets;
using Microsoft.EntityFrameworkCore;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

/// <summary>
/// Presence announcements race (a slow store read, a change on another instance, a recheck): the list a room ends
/// on is the newest one read, and a read made before a change is never announced after it.
/// </summary>
public sealed class PresenceRaceTests(HeldPresenceChatServer server) : IClassFixture<HeldPresenceChatServer>
{
    [Fact]
    public async Task A_leave_read_before_a_rejoin_is_never_announced_after_it()
    {
        var (alice, aliceName, bob, bobName, slug) = await AliceAndBobAsync("Stale leave");
        var roomId = await server.QueryAsync(db => db.Rooms.Where(r => r.Slug == slug).Select(r => r.Id).SingleAsync());
        using var aliceSocket = await alice.ConnectAsync(slug);
        var bobSocket = await bob.ConnectAsync(slug);
        await aliceSocket.WaitForPresenceAsync(aliceName, bobName);
        var rejoinToken = (await bob.SocketTokenAsync(slug)).Token;

        // Bob leaves; the announcement of his leaving reads the store (without him) and is held there.
        var (reached, release) = server.Reads.HoldNextRead(roomId);
        await bobSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
        await reached;
        // He is back before it is let go, and the announcement of that reads the store with him in it.
        var answered = server.Reads.ReadsAnswered(roomId);
        using var bobAgain = await bob.ConnectWithTokenAsync(slug, rejoinToken);
        var timeout = SiteClient.TimeoutToken();
        while (server.Reads.ReadsAnswered(roomId) == answered) await Task.Delay(10, timeout);
        var removedBefore = aliceSocket.Presence().Removed.Count;
        release.SetResult();

        // Someone else joins afterwards: by the time Alice sees that, the held announcement has long finished.
        using var carol = server.NewVisitor();
        var carolName = (await carol.RegisterAsync(SiteClient.NewEmail("carol"))).Split('@')[0];
        using var carolSocket = await carol.ConnectAsync(slug);
        await aliceSocket.WaitForPresenceAsync(carolName);
        Assert.DoesNotContain(bobName, aliceSocket.Presence().Removed.Skip(removedBefore));
        Assert.Equal([aliceName, bobName, carolName], aliceSocket.Presence().Names.Order(StringComparer.Ordinal));
        bobSocket.Dispose();
    }

    [Fact]
    public async Task Leaving_and_rejoining_quickly_ends_with_the_person_online()
    {
        var (alice, aliceName, bob, bobName, slug) = await AliceAndBobAsync("Quick rejoin");
        using var aliceSocket = await alice.ConnectAsync(slug);
        var bobSocket = await bob.ConnectAsync(slug);
        await aliceSocket.WaitForPresenceAsync(aliceName, bobName);
        for (var i = 0; i < 5; i++)
        {
            var token = (await bob.SocketTokenAsync(slug)).Token;
            await bobSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
            bobSocket.Dispose();
            bobSocket = await bob.ConnectWithTokenAsync(slug, token);
        }

        using var carol = server.NewVisitor();
        var carolName = (await carol.RegisterAsync(SiteClient.NewEmail("carol"))).Split('@')[0];
        using var carolSocket = await carol.ConnectAsync(slug);
        await aliceSocket.WaitForPresenceAsync(carolName);
        Assert.Equal([aliceName, bobName, carolName], aliceSocket.Presence().Names.Order(StringComparer.Ordinal));
        Assert.Equal("3 online", aliceSocket.Presence().CountText);
        bobSocket.Dispose();
    }

    private async Task<(SiteClient Alice, string AliceName, SiteClient Bob, string BobName, string Slug)> AliceAndBobAsync(string room)
    {
        var alice = server.NewVisitor();
        var bob = server.NewVisitor();
        var aliceName = (await alice.RegisterAsync(SiteClient.NewEmail("alice"))).Split('@')[0];
        var bobName = (await bob.RegisterAsync(SiteClient.NewEmail("bob"))).Split('@')[0];
        return (alice, aliceName, bob, bobName, await alice.CreateRoomAsync(room));
    }
}
