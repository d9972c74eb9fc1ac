using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// The room page's latest history is rendered once per room state and time zone and shared by its readers
/// (RoomHistoryCache). What that must never change: a reload shows every posting, edit and deletion stored before it,
/// each reader still sees their own messages marked, their own unread divider and their own time zone, and a private
/// room's history reaches nobody who may not enter it.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed partial class RoomPageCacheTests(ChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _alice = server.NewVisitor();
    private readonly SiteClient _bob = server.NewVisitor();
    private readonly string _unique = Guid.NewGuid().ToString("N")[..6];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        return Task.CompletedTask;
    }

    public enum Change { Posted, Edited, Deleted }

    [Theory]
    [InlineData(Change.Posted)]
    [InlineData(Change.Edited)]
    [InlineData(Change.Deleted)]
    public async Task A_reload_shows_a_change_made_after_the_page_was_last_rendered(Change change)
    {
        var slug = await _alice.SignUpBothWithRoomAsync(_bob, "Cached " + _unique);
        using var alice = await _alice.ConnectAsync(slug);
        var first = await alice.PostAsync("first words");
        // Bob's view is rendered and kept, then the room changes.
        Assert.Contains("first words", await _bob.Http.GetStringAsync($"/rooms/{slug}"));

        await MakeAsync(alice, change, first);

        var html = await _bob.Http.GetStringAsync($"/rooms/{slug}");
        AssertShows(change, first, html);
        // And for a second reader of the same state: the shared rendering is the new one.
        AssertShows(change, first, await _alice.Http.GetStringAsync($"/rooms/{slug}"));
    }

    [Fact]
    public async Task Each_reader_sees_their_own_messages_marked_and_their_own_unread_divider()
    {
        var slug = await _alice.SignUpBothWithRoomAsync(_bob, "Readers " + _unique);
        using var alice = await _alice.ConnectAsync(slug);
        var gone = await alice.PostAsync("alice one");
        var two = await alice.PostAsync("alice two");
        await alice.DeleteAsync(gone);
        using var bob = await _bob.ConnectAsync(slug);
        var three = await bob.PostAsync("bob three");

        // Alice has read nothing of Bob's: her divider is before his message; hers are marked.
        var aliceView = Articles(await _alice.Http.GetStringAsync($"/rooms/{slug}"));
        Assert.Equal("message deleted mine", aliceView.Classes[gone.Id]);
        Assert.Equal("message mine continued", aliceView.Classes[two.Id]);
        Assert.Equal("message", aliceView.Classes[three.Id]);
        Assert.Equal(three.Id, aliceView.UnreadBefore);

        // Bob, from the same shared rendering: his own marked, his divider before Alice's first standing message,
        // which therefore starts a group instead of continuing the deleted one.
        var bobView = Articles(await _bob.Http.GetStringAsync($"/rooms/{slug}"));
        Assert.Equal("message deleted", bobView.Classes[gone.Id]);
        Assert.Equal("message", bobView.Classes[two.Id]);
        Assert.Equal("message mine", bobView.Classes[three.Id]);
        Assert.Equal(two.Id, bobView.UnreadBefore);

        // And Alice again, after Bob's render: nothing of his view stayed behind.
        Assert.Equal(aliceView, Articles(await _alice.Http.GetStringAsync($"/rooms/{slug}")));
    }

    [Theory]
    // Same offsets, so the same day whenever the test runs: only the zone itself tells the renderings apart.
    [InlineData("Europe/Paris", "Europe/Berlin")]
    [InlineData("UTC", null)]
    [InlineData(null, "UTC")]
    [InlineData("Asia/Tokyo", "America/New_York")]
    [InlineData("America/New_York", "Asia/Tokyo")]
    [InlineData("Asia/Tokyo", null)]
    [InlineData(null, "Asia/Tokyo")]
    public async Task Readers_in_different_time_zones_each_see_their_own(string? aliceZone, string? bobZone)
    {
        var slug = await _alice.SignUpBothWithRoomAsync(_bob, "Zones " + _unique);
        using var alice = await _alice.ConnectAsync(slug);
        await alice.PostAsync("what time is it");
        SetZone(_alice, aliceZone);
        SetZone(_bob, bobZone);

        var first = await _alice.Http.GetStringAsync($"/rooms/{slug}");
        var second = await _bob.Http.GetStringAsync($"/rooms/{slug}");

        AssertZone(aliceZone, first);
        AssertZone(bobZone, second);
    }

    [Fact]
    public async Task A_private_rooms_history_never_reaches_someone_who_may_not_enter()
    {
        var slug = await _alice.SignUpBothWithRoomAsync(_bob, "Private " + _unique, isPrivate: true);
        using var alice = await _alice.ConnectAsync(slug);
        await alice.PostAsync("members only " + _unique);
        // The owner's view is rendered and kept.
        Assert.Contains("members only " + _unique, await _alice.Http.GetStringAsync($"/rooms/{slug}"));

        var response = await _bob.Http.GetAsync($"/rooms/{slug}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("members only", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_reload_after_an_author_renames_shows_the_new_name_in_their_messages()
    {
        var slug = await _alice.SignUpBothWithRoomAsync(_bob, "Renamed " + _unique);
        await _alice.SetDisplayNameAsync("Before " + _unique);
        using (var alice = await _alice.ConnectAsync(slug)) await alice.PostAsync("signed");
        Assert.Contains("Before " + _unique, await _bob.Http.GetStringAsync($"/rooms/{slug}"));

        await _alice.SetDisplayNameAsync("After " + _unique);

        var html = await _bob.Http.GetStringAsync($"/rooms/{slug}");
        Assert.Contains("After " + _unique, html);
        Assert.DoesNotContain("Before " + _unique, html);
    }

    internal static async Task MakeAsync(System.Net.WebSockets.WebSocket socket, Change change, PostedMessage first)
    {
        switch (change)
        {
            case Change.Posted:
                await socket.PostAsync("second words");
                break;
            case Change.Edited:
                await socket.SendTextAsync(JsonSerializer.Serialize(new { type = "edit", id = first.Id, text = "first words, edited" }));
                // Stored once the room sends the edited article back.
                while (!(await socket.ReceiveTextAsync()).Contains("first words, edited")) { }
                break;
            case Change.Deleted:
                await socket.DeleteAsync(first);
                break;
        }
    }

    internal static void AssertShows(Change change, PostedMessage first, string html)
    {
        switch (change)
        {
            case Change.Posted:
                Assert.Contains("first words", html);
                Assert.Contains("second words", html);
                break;
            case Change.Edited:
                Assert.Contains("first words, edited", html);
                Assert.Contains("(edited)", html);
                break;
            case Change.Deleted:
                Assert.DoesNotContain("first words", html);
                Assert.Equal("message deleted", Articles(html).Classes[first.Id].Replace(" mine", ""));
                break;
        }
    }

    private void SetZone(SiteClient person, string? zone)
    {
        if (zone is not null) person.Cookies.Add(server.BaseAddress, new Cookie("tz", Uri.EscapeDataString(zone)));
    }

    private static void AssertZone(string? zone, string html)
    {
        if (zone is null)
        {
            Assert.Contains(" UTC</time>", html);
            Assert.DoesNotContain("data-local=", html);
        }
        else
        {
            Assert.Contains($"data-local=\"{zone}\"", html);
            Assert.DoesNotMatch("data-local=\"(?!" + Regex.Escape(zone) + "\")", html);
            Assert.DoesNotContain(" UTC</time>", html);
        }
    }

    private sealed record View(IReadOnlyDictionary<long, string> Classes, long? UnreadBefore)
    {
        public bool Equals(View? other) => other is not null && UnreadBefore == other.UnreadBefore
            && Classes.Count == other.Classes.Count && Classes.All(c => other.Classes.GetValueOrDefault(c.Key) == c.Value);

        public override int GetHashCode() => UnreadBefore.GetHashCode();
    }

    /// <summary>Each message's class attribute by id, and the message the unread divider stands before (if any).</summary>
    private static View Articles(string html)
    {
        var classes = Article().Matches(html).ToDictionary(m => long.Parse(m.Groups[1].Value), m => m.Groups[2].Value);
        var dividers = Divider().Matches(html);
        Assert.True(dividers.Count <= 1, "more than one unread divider");
        return new(classes, dividers.Count == 1 ? long.Parse(dividers[0].Groups[1].Value) : null);
    }

    [GeneratedRegex("<article id=\"m-(\\d+)\" class=\"([^\"]*)\"")]
    private static partial Regex Article();

    [GeneratedRegex("<div id=\"unread-divider\" class=\"unread-divider\" role=\"separator\" aria-label=\"New messages\">New</div>\\s*<article id=\"m-(\\d+)\"")]
    private static partial Regex Divider();
}
