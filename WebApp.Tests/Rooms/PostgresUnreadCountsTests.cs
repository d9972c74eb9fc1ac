using System.Net.WebSockets;
using System.Text.RegularExpressions;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// The rooms list's unread and mention counts on PostgreSQL: the same one query for the whole list, translated by
/// Npgsql, gives the same answers as on SQLite (no marker counts everything, deleted and own messages never count).
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed partial class PostgresUnreadCountsTests(ScaleOutServers servers) : IAsyncLifetime
{
    private readonly string _database = $"chat_{Guid.NewGuid():N}";
    private SiteProcess _site = null!;

    public async Task InitializeAsync()
    {
        _site = new SiteProcess(new Dictionary<string, string>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = servers.Postgres.ConnectionString(_database),
            ["ConnectionStrings:Redis"] = $"{servers.Redis.ConnectionString},channelPrefix={Guid.NewGuid():N}:",
        });
        await _site.StartAsync();
    }

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task Unread_and_mention_counts_follow_posts_deletions_and_read_reports_on_postgres()
    {
        using var alice = new SiteClient(_site.BaseAddress);
        using var bob = new SiteClient(_site.BaseAddress);
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Postgres unread");
        var bobId = await bob.UserIdAsync(slug);
        Assert.Equal(new RoomsListEntry(slug, 0, 0, null), await RoomsList.EntryAsync(bob, slug));

        using var socket = await alice.ConnectAsync(slug);
        var first = await PostAsync(socket, "one");
        var named = await PostAsync(socket, "two, for bob");
        var taken = await PostAsync(socket, "three, taken back");
        await MentionAsync(bobId, named);
        await MentionAsync(bobId, taken);
        Assert.Equal(new RoomsListEntry(slug, 3, 2, "3 unread, 2 mentions"), await RoomsList.EntryAsync(bob, slug));
        Assert.Equal(new RoomsListEntry(slug, 0, 0, null), await RoomsList.EntryAsync(alice, slug));

        await DeleteAsync(taken);
        Assert.Equal(new RoomsListEntry(slug, 2, 1, "2 unread, 1 mention"), await RoomsList.EntryAsync(bob, slug));

        await ReportReadAsync(bobId, slug, first.Seq);
        Assert.Equal(new RoomsListEntry(slug, 1, 1, "1 unread, 1 mention"), await RoomsList.EntryAsync(bob, slug));

        await ReportReadAsync(bobId, slug, named.Seq);
        Assert.Equal(new RoomsListEntry(slug, 0, 0, null), await RoomsList.EntryAsync(bob, slug));
    }

    private sealed record Posted(long Id, long Seq);

    private static async Task<Posted> PostAsync(WebSocket socket, string text)
    {
        await socket.SendMessageAsync(text);
        var frame = await socket.ReceiveTextAsync();
        var article = Article().Match(frame);
        Assert.True(article.Success, $"expected the message back, got {frame}");
        return new Posted(long.Parse(article.Groups[1].Value), long.Parse(article.Groups[2].Value));
    }

    private Task<string> SqlAsync(string sql) => servers.Postgres.RunSqlAsync(sql, _database);

    private async Task MentionAsync(string userId, Posted message) =>
        await SqlAsync($"""
            INSERT INTO "MessageMentions" ("MessageId", "UserId", "RoomId", "Seq", "Start", "Length")
            SELECT "Id", '{userId}', "RoomId", "Seq", 0, 1 FROM "Messages" WHERE "Id" = {message.Id}
            """);

    private async Task DeleteAsync(Posted message) =>
        await SqlAsync($"""UPDATE "Messages" SET "DeletedAt" = now(), "Text" = '' WHERE "Id" = {message.Id}""");

    private async Task ReportReadAsync(string userId, string slug, long seq) =>
        await SqlAsync($"""
            INSERT INTO "RoomReads" ("UserId", "RoomId", "LastReadSeq")
            SELECT '{userId}', "Id", {seq} FROM "Rooms" WHERE "Slug" = '{slug}'
            ON CONFLICT ("UserId", "RoomId") DO UPDATE SET "LastReadSeq" = excluded."LastReadSeq"
            """);

    [GeneratedRegex(@"<article id=""m-(\d+)"" [^>]*data-seq=""(\d+)""")]
    private static partial Regex Article();
}
