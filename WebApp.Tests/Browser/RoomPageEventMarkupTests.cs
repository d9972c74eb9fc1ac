using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Browser;

/// <summary>
/// What the room page tells its script before any socket opens (the markup chat.js starts from): the event number to
/// resume after, the reader's read marker, whether they own the room, and where the unread divider goes.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed partial class RoomPageEventMarkupTests(ChatServer server)
{
    [Fact]
    public async Task The_divider_goes_before_the_first_unread_message_by_someone_else_that_still_stands()
    {
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Divider");
        var bobId = await bob.UserIdAsync(slug);
        using var aliceSocket = await alice.ConnectAsync(slug);
        using var bobSocket = await bob.ConnectAsync(slug);

        var read = await PostAsync(aliceSocket, "read by Bob");
        await bobSocket.SendTextAsync($$"""{"type":"read","seq":{{read.Seq}}}""");
        await WaitForReadMarkerAsync(slug, bobId, read.Seq);
        await PostAsync(bobSocket, "from Bob himself, never unread to him");
        var deleted = await PostAsync(aliceSocket, "unread, then deleted");
        await aliceSocket.SendTextAsync($$"""{"type":"delete","id":{{deleted.Id}}}""");
        await ReceiveUntilAsync(aliceSocket, $"id=\"m-{deleted.Id}\" class=\"message deleted\"");
        var firstUnread = await PostAsync(aliceSocket, "the first one Bob has not seen");
        await PostAsync(aliceSocket, "and one more");
        var lastSeq = await server.QueryAsync(db => db.Rooms.Where(r => r.Slug == slug).Select(r => r.LastSeq).SingleAsync());

        var page = await bob.Http.GetStringAsync($"/rooms/{slug}");

        Assert.Equal(lastSeq.ToString(), RoomAttribute(page, "data-event-seq"));
        Assert.Equal(read.Seq.ToString(), RoomAttribute(page, "data-last-read-seq"));
        Assert.Equal("false", RoomAttribute(page, "data-room-owner"));
        Assert.Single(Divider().Matches(page));
        Assert.Equal($"m-{firstUnread.Id}", ArticleAfterDivider().Match(page).Groups[1].Value);
        Assert.Matches("<div id=\"typing\" class=\"typing\" aria-live=\"polite\"></div>", page);
    }

    [Fact]
    public async Task No_divider_once_everything_is_read_nor_on_older_pages_and_the_owner_is_told_they_own_the_room()
    {
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        var slug = await alice.SignUpBothWithRoomAsync(bob, "All read");
        var bobId = await bob.UserIdAsync(slug);
        using var aliceSocket = await alice.ConnectAsync(slug);
        await PostAsync(aliceSocket, "one");
        var last = await PostAsync(aliceSocket, "two");

        // Never read: everything by someone else is new, so the divider comes first.
        var before = await bob.Http.GetStringAsync($"/rooms/{slug}");
        Assert.Equal("0", RoomAttribute(before, "data-last-read-seq"));
        Assert.Single(Divider().Matches(before));
        Assert.Empty(Divider().Matches(await bob.Http.GetStringAsync($"/rooms/{slug}?before={last.Seq + 1}")));

        using (var bobSocket = await bob.ConnectAsync(slug))
        {
            await bobSocket.SendTextAsync($$"""{"type":"read","seq":{{last.Seq}}}""");
            await WaitForReadMarkerAsync(slug, bobId, last.Seq);
        }

        Assert.Empty(Divider().Matches(await bob.Http.GetStringAsync($"/rooms/{slug}")));
        var owners = await alice.Http.GetStringAsync($"/rooms/{slug}");
        Assert.Equal("true", RoomAttribute(owners, "data-room-owner"));
        // The owner's own messages are never new to her.
        Assert.Empty(Divider().Matches(owners));
    }

    private static async Task<(long Id, long Seq)> PostAsync(System.Net.WebSockets.WebSocket socket, string text)
    {
        await socket.SendMessageAsync(text);
        var frame = await ReceiveUntilAsync(socket, text);
        var article = PostedArticle().Match(frame);
        return (long.Parse(article.Groups[1].Value), long.Parse(article.Groups[2].Value));
    }

    /// <summary>The next frame containing <paramref name="text"/>, reading past others (presence, other people's messages).</summary>
    private static async Task<string> ReceiveUntilAsync(System.Net.WebSockets.WebSocket socket, string text)
    {
        while (true)
        {
            var frame = await socket.ReceiveTextAsync();
            if (frame.Contains(text, StringComparison.Ordinal)) return frame;
        }
    }

    /// <summary>Read markers are written about once a second: wait for this one to be stored.</summary>
    private async Task WaitForReadMarkerAsync(string slug, string userId, long seq)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await server.QueryAsync(db => db.RoomReads.AnyAsync(r => r.UserId == userId && r.RoomId == db.Rooms.Single(x => x.Slug == slug).Id && r.LastReadSeq >= seq)) is false)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the read marker {seq} was not stored");
            await Task.Delay(50);
        }
    }

    private static string RoomAttribute(string page, string name) =>
        Regex.Match(page, $"<section id=\"room\"[^>]*\\s{name}=\"([^\"]*)\"").Groups[1].Value;

    [GeneratedRegex("<div id=\"unread-divider\" class=\"unread-divider\" role=\"separator\" aria-label=\"New messages\">New</div>")]
    private static partial Regex Divider();

    [GeneratedRegex("id=\"unread-divider\"[^>]*>New</div>\\s*<article id=\"(m-\\d+)\"")]
    private static partial Regex ArticleAfterDivider();

    [GeneratedRegex("^\\s*<article id=\"m-(\\d+)\"[^>]*data-seq=\"(\\d+)\"")]
    private static partial Regex PostedArticle();
}
