using WebApp.Tests.Infrastructure;
using WebApp.Tests.Rooms;
using static WebApp.Tests.Rooms.RoomPageCacheTests;

namespace WebApp.Tests.ScaleOut;

/// <summary>
/// Each instance keeps its own renderings of rooms' history (RoomHistoryCache), keyed by the room's event number in the
/// shared database: a posting, edit or deletion made on one instance shows on a reload from the other at once, without
/// waiting for any message between the instances.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class RoomPageCacheAcrossInstancesTests(ScaleOutServers servers) : OnTwoInstances(servers)
{
    [Fact]
    public async Task A_reload_on_the_other_instance_shows_each_change_at_once()
    {
        using var alice = new SiteClient(A.BaseAddress);
        using var bob = new SiteClient(B.BaseAddress);
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Cached across");
        using var aliceSocket = await alice.ConnectAsync(slug);
        var first = await aliceSocket.PostAsync("first words");

        foreach (var change in new[] { Change.Posted, Change.Edited, Change.Deleted })
        {
            // Bob's instance renders and keeps the room as it stands; then Alice changes it on hers.
            await bob.Http.GetStringAsync($"/rooms/{slug}");
            await MakeAsync(aliceSocket, change, first);

            AssertShows(change, first, await bob.Http.GetStringAsync($"/rooms/{slug}"));
        }
    }
}
