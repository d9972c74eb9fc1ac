using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// The rooms list's unread and mention counts on PostgreSQL: the same one query for the whole list, translated by
/// Npgsql, gives the same answers as on SQLite (no marker counts everything, deleted and own messages never count).
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresUnreadCountsTests(ScaleOutServers servers) : IAsyncLifetime
{
    private SiteProcess _site = null!;

    public async Task InitializeAsync()
    {
        _site = new SiteProcess(servers.SiteSettings());
        await _site.StartAsync();
    }

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task Unread_and_mention_counts_follow_posts_deletions_and_read_reports_on_postgres()
    {
        using var alice = new SiteClient(_site.BaseAddress);
        using var bob = new SiteClient(_site.BaseAddress);
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Postgres unread");
        await bob.SetDisplayNameAsync("Bob Postgres");
        Assert.Equal(new RoomsListEntry(slug, 0, 0, null), await RoomsList.EntryAsync(bob, slug));

        using var aliceSocket = await alice.ConnectAsync(slug);
        var first = await aliceSocket.PostAsync("one");
        var named = await aliceSocket.PostAsync("two, for @Bob Postgres");
        var taken = await aliceSocket.PostAsync("three, for @Bob Postgres, taken back");
        Assert.Equal(new RoomsListEntry(slug, 3, 2, "3 unread, 2 mentions"), await RoomsList.EntryAsync(bob, slug));
        Assert.Equal(new RoomsListEntry(slug, 0, 0, null), await RoomsList.EntryAsync(alice, slug));

        await aliceSocket.DeleteAsync(taken);
        Assert.Equal(new RoomsListEntry(slug, 2, 1, "2 unread, 1 mention"), await RoomsList.EntryAsync(bob, slug));

        using var bobSocket = await bob.ConnectAsync(slug);
        await bobSocket.ReportReadAsync(first.Seq);
        var afterFirst = new RoomsListEntry(slug, 1, 1, "1 unread, 1 mention");
        Assert.Equal(afterFirst, await RoomsList.EntryOnceAsync(bob, slug, afterFirst));

        await bobSocket.ReportReadAsync(named.Seq);
        var allRead = new RoomsListEntry(slug, 0, 0, null);
        Assert.Equal(allRead, await RoomsList.EntryOnceAsync(bob, slug, allRead));
    }
}
