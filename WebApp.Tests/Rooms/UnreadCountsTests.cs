using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Rooms;

/// <summary>
/// The rooms list tells each signed-in person what they have not read (issue 13): <c>data-unread</c> and
/// <c>data-mentions</c> on the element with class <c>room</c>, and a badge when something is unread. Counts are the
/// reader's own: others' messages after their read marker, not deleted; their own messages never count.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class UnreadCountsTests(ChatServer server, ChromiumBrowser chromium) : IAsyncLifetime
{
    private readonly SiteClient _alice = server.NewVisitor();
    private readonly SiteClient _bob = server.NewVisitor();
    private readonly SiteClient _carol = server.NewVisitor();
    private readonly string _unique = Guid.NewGuid().ToString("N")[..6];
    private string _slug = "";

    private string AliceName => $"Alice {_unique}";
    private string BobName => $"Bob {_unique}";
    private string CarolName => $"Carol {_unique}";

    public async Task InitializeAsync()
    {
        await _bob.RegisterAsync();
        await _carol.RegisterAsync();
        _slug = await _alice.SignUpWithRoomAsync("Unread " + _unique);
        await _alice.SetDisplayNameAsync(AliceName);
        await _bob.SetDisplayNameAsync(BobName);
        await _carol.SetDisplayNameAsync(CarolName);
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        _carol.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Counts_go_up_as_someone_else_posts_and_your_own_messages_never_count()
    {
        Assert.Equal(new RoomsListEntry(_slug, 0, 0, null), await RoomsList.EntryAsync(_bob, _slug));

        using var alice = await _alice.ConnectAsync(_slug);
        await alice.PostAsync("one");
        Assert.Equal(new RoomsListEntry(_slug, 1, 0, "1 unread"), await RoomsList.EntryAsync(_bob, _slug));
        await alice.PostAsync("two");
        await alice.PostAsync("three");
        Assert.Equal(new RoomsListEntry(_slug, 3, 0, "3 unread"), await RoomsList.EntryAsync(_bob, _slug));

        // Naming yourself is not news either.
        using var bob = await _bob.ConnectAsync(_slug);
        await bob.PostAsync($"bob's own, signed @{BobName}");
        Assert.Equal(new RoomsListEntry(_slug, 3, 0, "3 unread"), await RoomsList.EntryAsync(_bob, _slug));
        Assert.Equal(new RoomsListEntry(_slug, 1, 0, "1 unread"), await RoomsList.EntryAsync(_alice, _slug));
    }

    [Fact]
    public async Task Mentions_count_beside_unread_for_the_person_named_only()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await alice.PostAsync($"@{BobName} look");
        await alice.PostAsync($"and @{BobName} again, with @{CarolName}");
        await alice.PostAsync("nobody named");

        Assert.Equal(new RoomsListEntry(_slug, 3, 2, "3 unread, 2 mentions"), await RoomsList.EntryAsync(_bob, _slug));
        Assert.Equal(new RoomsListEntry(_slug, 3, 1, "3 unread, 1 mention"), await RoomsList.EntryAsync(_carol, _slug));
    }

    [Fact]
    public async Task Deleted_messages_and_their_mentions_stop_counting()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await alice.PostAsync($"stays, @{BobName}");
        var taken = await alice.PostAsync($"taken back, @{BobName}");
        Assert.Equal(new RoomsListEntry(_slug, 2, 2, "2 unread, 2 mentions"), await RoomsList.EntryAsync(_bob, _slug));

        await alice.DeleteAsync(taken);

        Assert.Equal(new RoomsListEntry(_slug, 1, 1, "1 unread, 1 mention"), await RoomsList.EntryAsync(_bob, _slug));
    }

    [Fact]
    public async Task Counts_go_back_to_zero_after_a_read_report_and_count_again_from_there()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await alice.PostAsync("first");
        var named = await alice.PostAsync($"hello @{BobName}");
        Assert.Equal(new RoomsListEntry(_slug, 2, 1, "2 unread, 1 mention"), await RoomsList.EntryAsync(_bob, _slug));

        using var bob = await _bob.ConnectAsync(_slug);
        await bob.ReportReadAsync(named.Seq);
        var read = new RoomsListEntry(_slug, 0, 0, null);
        Assert.Equal(read, await RoomsList.EntryOnceAsync(_bob, _slug, read));

        await alice.PostAsync($"after the marker, @{BobName}");
        Assert.Equal(new RoomsListEntry(_slug, 1, 1, "1 unread, 1 mention"), await RoomsList.EntryAsync(_bob, _slug));
    }

    [Fact]
    public async Task Edits_and_deletions_after_the_marker_do_not_count_as_new_messages()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        var first = await alice.PostAsync("first");
        var second = await alice.PostAsync("second");
        using var bob = await _bob.ConnectAsync(_slug);
        await bob.ReportReadAsync(second.Seq);
        var read = new RoomsListEntry(_slug, 0, 0, null);
        Assert.Equal(read, await RoomsList.EntryOnceAsync(_bob, _slug, read));

        // Both take event numbers above the marker, but neither is a message posted after it.
        await alice.SendTextAsync(System.Text.Json.JsonSerializer.Serialize(new { type = "edit", id = first.Id, text = $"first, now for @{BobName}" }));
        Assert.Contains($"id=\"m-{first.Id}\"", await alice.ReceiveTextAsync());
        await alice.DeleteAsync(second);

        Assert.Equal(read, await RoomsList.EntryAsync(_bob, _slug));
    }

    [Fact]
    public async Task Counts_are_per_person_so_nobody_sees_another_readers_counts()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        var first = await alice.PostAsync($"to everyone, @{CarolName}");
        await alice.PostAsync("and again");

        using var bob = await _bob.ConnectAsync(_slug);
        await bob.ReportReadAsync(first.Seq);
        var bobsView = new RoomsListEntry(_slug, 1, 0, "1 unread");
        Assert.Equal(bobsView, await RoomsList.EntryOnceAsync(_bob, _slug, bobsView));

        Assert.Equal(new RoomsListEntry(_slug, 2, 1, "2 unread, 1 mention"), await RoomsList.EntryAsync(_carol, _slug));
        Assert.Equal(new RoomsListEntry(_slug, 0, 0, null), await RoomsList.EntryAsync(_alice, _slug));
    }

    [Fact]
    public Task The_badge_is_shown_and_read_out_as_part_of_the_rooms_link() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(The_badge_is_shown_and_read_out_as_part_of_the_rooms_link), async pages =>
        {
            var daveName = $"Dave {_unique}";
            var dave = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("dave"));
            await new AccountPages(dave).SetDisplayNameAsync(daveName);
            using var alice = await _alice.ConnectAsync(_slug);
            await alice.PostAsync("one");
            await alice.PostAsync($"two, for @{daveName}");

            await new HomePage(dave).OpenAsync();

            var room = dave.Locator($"#room-list .room:has(a[href='/rooms/{_slug}'])");
            await Expect(room).ToHaveAttributeAsync("data-unread", "2");
            await Expect(room).ToHaveAttributeAsync("data-mentions", "1");
            await Expect(room.Locator(".unread-badge")).ToBeVisibleAsync();
            await Expect(dave.GetByRole(AriaRole.Link, new() { Name = $"Unread {_unique}" }))
                .ToHaveAccessibleNameAsync(new System.Text.RegularExpressions.Regex(@"\b2 unread, 1 mention\b"));
        });

    [Fact]
    public async Task Signed_out_visitors_see_the_list_without_counts()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await alice.PostAsync("seen by nobody signed out");
        using var visitor = server.NewVisitor();

        var html = await visitor.Http.GetStringAsync("/");

        Assert.Equal(new RoomsListEntry(_slug, null, null, null), RoomsList.Parse(html)[_slug]);
        Assert.DoesNotContain("data-unread", html);
        Assert.DoesNotContain("data-mentions", html);
    }

    [Fact]
    public async Task A_private_room_you_are_not_in_is_not_listed_with_counts_and_its_members_get_theirs()
    {
        var secret = await _alice.CreateRoomAsync("Unread secret " + _unique, isPrivate: true);
        await _alice.InviteAsync(secret, CarolName);
        using var alice = await _alice.ConnectAsync(secret);
        await alice.PostAsync($"members only, not @{BobName} but @{CarolName}");

        var outsiderHtml = await _bob.Http.GetStringAsync("/");
        Assert.DoesNotContain(secret, outsiderHtml);
        Assert.Equal(new RoomsListEntry(secret, 1, 1, "1 unread, 1 mention"), await RoomsList.EntryAsync(_carol, secret));
    }

    [Fact]
    public async Task The_whole_list_costs_the_same_queries_for_one_room_as_for_many()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await alice.PostAsync("in the first room");
        using var dave = server.NewVisitor();
        await dave.RegisterAsync();
        var daveName = $"Dave {_unique}";
        await dave.SetDisplayNameAsync(daveName);
        var few = await ListQueriesAsync(dave);

        var added = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var more = await _alice.CreateRoomAsync($"Unread many {i} {_unique}", isPrivate: true);
            await _alice.InviteAsync(more, daveName);
            added.Add(more);
            using var socket = await _alice.ConnectAsync(more);
            await socket.PostAsync($"one more room to count, @{daveName}");
        }
        var many = await ListQueriesAsync(dave);

        Assert.Equal(few.Count, many.Count);
        Assert.Equal(1, many.Count(command => command.Contains("\"RoomReads\"")));
        var list = await RoomsList.ReadAsync(dave);
        Assert.All(added, slug => Assert.Equal(new RoomsListEntry(slug, 1, 1, "1 unread, 1 mention"), list[slug]));
    }

    /// <summary>The SQL this server's database ran while <paramref name="person"/> loaded the rooms list.</summary>
    private async Task<List<string>> ListQueriesAsync(SiteClient person)
    {
        var commands = new List<string>();
        using var watch = new CommandWatch(server.DatabasePath, commands);
        using var subscription = DiagnosticListener.AllListeners.Subscribe(watch);
        // EF Core's pooled contexts each cache "nobody listens" for up to a second (ConfigureLoggingCacheTime), so a
        // load may be reported from part-way through: load the list until one is reported from its first query on.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            lock (commands) commands.Clear();
            await RoomsList.ReadAsync(person);
            lock (commands)
            {
                var list = commands.Where(command => command.Contains("\"Rooms\"") || command.Contains("\"RoomReads\"")).ToList();
                if (list.Count > 0 && list[0].Contains("\"LastMessageAt\"")) return list;
            }
            Assert.True(DateTime.UtcNow < deadline, "EF Core reported no whole load of the list within 10 s");
            await Task.Delay(100);
        }
    }

    /// <summary>EF Core's diagnostic events for one database file, collected as command texts.</summary>
    private sealed class CommandWatch(string databasePath, List<string> commands)
        : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly List<IDisposable> _subscriptions = [];

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name) lock (_subscriptions) _subscriptions.Add(listener.Subscribe(this));
        }

        public void OnNext(KeyValuePair<string, object?> entry)
        {
                if (entry.Key == RelationalEventId.CommandExecuted.Name && entry.Value is CommandExecutedEventData executed
                && executed.Command.Connection?.ConnectionString.Contains(databasePath) == true)
            {
                lock (commands) commands.Add(executed.Command.CommandText);
            }
        }

        public void OnCompleted() { }
        public void OnError(Exception error) { }

        public void Dispose()
        {
            lock (_subscriptions) _subscriptions.ForEach(subscription => subscription.Dispose());
        }
    }
}
