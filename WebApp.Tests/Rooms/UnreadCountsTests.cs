using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// The rooms list tells each signed-in person what they have not read (issue 13): <c>data-unread</c> and
/// <c>data-mentions</c> on the element with class <c>room</c>, and a badge when something is unread. Counts are the
/// reader's own: others' messages after their read marker, not deleted; their own messages never count.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed partial class UnreadCountsTests(ChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _alice = server.NewVisitor();
    private readonly SiteClient _bob = server.NewVisitor();
    private readonly SiteClient _carol = server.NewVisitor();
    private string _slug = "";

    public async Task InitializeAsync()
    {
        await _bob.RegisterAsync();
        await _carol.RegisterAsync();
        _slug = await _alice.SignUpWithRoomAsync("Unread " + Guid.NewGuid().ToString("N")[..6]);
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
        await PostAsync(alice, "one");
        Assert.Equal(new RoomsListEntry(_slug, 1, 0, "1 unread"), await RoomsList.EntryAsync(_bob, _slug));
        await PostAsync(alice, "two");
        await PostAsync(alice, "three");
        Assert.Equal(new RoomsListEntry(_slug, 3, 0, "3 unread"), await RoomsList.EntryAsync(_bob, _slug));

        using var bob = await _bob.ConnectAsync(_slug);
        await PostAsync(bob, "bob's own");
        Assert.Equal(3, (await RoomsList.EntryAsync(_bob, _slug)).Unread);
        Assert.Equal(new RoomsListEntry(_slug, 1, 0, "1 unread"), await RoomsList.EntryAsync(_alice, _slug));
    }

    [Fact]
    public async Task Deleted_messages_and_their_mentions_stop_counting()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        var kept = await PostAsync(alice, "stays");
        var taken = await PostAsync(alice, "taken back");
        await MentionAsync(_bob, kept);
        await MentionAsync(_bob, taken);
        Assert.Equal(new RoomsListEntry(_slug, 2, 2, "2 unread, 2 mentions"), await RoomsList.EntryAsync(_bob, _slug));

        await DeleteAsync(taken);

        Assert.Equal(new RoomsListEntry(_slug, 1, 1, "1 unread, 1 mention"), await RoomsList.EntryAsync(_bob, _slug));
    }

    [Fact]
    public async Task Counts_go_back_to_zero_after_a_read_report_and_count_again_from_there()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await PostAsync(alice, "first");
        var named = await PostAsync(alice, "hello bob");
        await MentionAsync(_bob, named);
        Assert.Equal(new RoomsListEntry(_slug, 2, 1, "2 unread, 1 mention"), await RoomsList.EntryAsync(_bob, _slug));

        await ReportReadAsync(_bob, named.Seq);
        Assert.Equal(new RoomsListEntry(_slug, 0, 0, null), await RoomsList.EntryAsync(_bob, _slug));

        await PostAsync(alice, "after the marker");
        Assert.Equal(new RoomsListEntry(_slug, 1, 0, "1 unread"), await RoomsList.EntryAsync(_bob, _slug));
    }

    [Fact]
    public async Task Counts_are_per_person_so_nobody_sees_another_readers_counts()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        var first = await PostAsync(alice, "to everyone");
        await PostAsync(alice, "and again");
        await MentionAsync(_carol, first);

        await ReportReadAsync(_bob, first.Seq);

        Assert.Equal(new RoomsListEntry(_slug, 1, 0, "1 unread"), await RoomsList.EntryAsync(_bob, _slug));
        Assert.Equal(new RoomsListEntry(_slug, 2, 1, "2 unread, 1 mention"), await RoomsList.EntryAsync(_carol, _slug));
        Assert.Equal(new RoomsListEntry(_slug, 0, 0, null), await RoomsList.EntryAsync(_alice, _slug));
    }

    [Fact]
    public async Task Signed_out_visitors_see_the_list_without_counts()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await PostAsync(alice, "seen by nobody signed out");
        using var visitor = server.NewVisitor();

        var html = await visitor.Http.GetStringAsync("/");

        Assert.Equal(new RoomsListEntry(_slug, null, null, null), RoomsList.Parse(html)[_slug]);
        Assert.DoesNotContain("data-unread", html);
        Assert.DoesNotContain("data-mentions", html);
    }

    [Fact]
    public async Task A_private_room_you_are_not_in_is_not_listed_with_counts_and_its_members_get_theirs()
    {
        var secret = await _alice.CreateRoomAsync("Unread secret " + Guid.NewGuid().ToString("N")[..6], isPrivate: true);
        using var alice = await _alice.ConnectAsync(secret);
        var message = await PostAsync(alice, "members only");
        await MentionAsync(_bob, message);
        await _alice.InviteAsync(secret, await EmailOfAsync(_carol));

        var outsiderHtml = await _bob.Http.GetStringAsync("/");
        Assert.DoesNotContain(secret, outsiderHtml);
        Assert.Equal(new RoomsListEntry(secret, 1, 0, "1 unread"), await RoomsList.EntryAsync(_carol, secret));
    }

    [Fact]
    public async Task The_whole_list_costs_the_same_queries_for_one_room_as_for_many()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await PostAsync(alice, "in the first room");
        using var dave = server.NewVisitor();
        await dave.RegisterAsync();
        var few = await ListQueriesAsync(dave);

        var added = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var more = await _alice.CreateRoomAsync($"Unread many {i} " + Guid.NewGuid().ToString("N")[..6], isPrivate: true);
            await _alice.InviteAsync(more, await EmailOfAsync(dave));
            added.Add(more);
            using var socket = await _alice.ConnectAsync(more);
            await PostAsync(socket, "one more room to count");
        }
        var many = await ListQueriesAsync(dave);

        Assert.Equal(few.Count, many.Count);
        Assert.Equal(1, many.Count(command => command.Contains("\"RoomReads\"")));
        var list = await RoomsList.ReadAsync(dave);
        Assert.All(added, slug => Assert.Equal(new RoomsListEntry(slug, 1, 0, "1 unread"), list[slug]));
    }

    /// <summary>A message as its author's socket echoed it: the article's id and posting number.</summary>
    private sealed record Posted(long Id, long Seq);

    private static async Task<Posted> PostAsync(WebSocket socket, string text)
    {
        await socket.SendMessageAsync(text);
        var frame = await socket.ReceiveTextAsync();
        var article = Article().Match(frame);
        Assert.True(article.Success, $"expected the message back, got {frame}");
        return new Posted(long.Parse(article.Groups[1].Value), long.Parse(article.Groups[2].Value));
    }

    private async Task MentionAsync(SiteClient person, Posted message)
    {
        var userId = await person.UserIdAsync(_slug);
        await server.QueryAsync(async db =>
        {
            var stored = await db.Messages.SingleAsync(m => m.Id == message.Id);
            db.MessageMentions.Add(new MessageMention { MessageId = stored.Id, UserId = userId, RoomId = stored.RoomId, Seq = stored.Seq, Start = 0, Length = 1 });
            return await db.SaveChangesAsync();
        });
    }

    private async Task DeleteAsync(Posted message) =>
        await server.QueryAsync(db => db.Messages.Where(m => m.Id == message.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(m => m.DeletedAt, DateTime.UtcNow).SetProperty(m => m.Text, "")));

    private async Task ReportReadAsync(SiteClient person, long seq)
    {
        var userId = await person.UserIdAsync(_slug);
        await server.QueryAsync(async db =>
        {
            var roomId = await db.Rooms.Where(r => r.Slug == _slug).Select(r => r.Id).SingleAsync();
            db.RoomReads.Add(new RoomRead { UserId = userId, RoomId = roomId, LastReadSeq = seq });
            return await db.SaveChangesAsync();
        });
    }

    private async Task<string> EmailOfAsync(SiteClient person)
    {
        var userId = await person.UserIdAsync(_slug);
        return await server.QueryAsync(db => db.Users.Where(u => u.Id == userId).Select(u => u.Email!).SingleAsync());
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

    [GeneratedRegex(@"<article id=""m-(\d+)"" [^>]*data-seq=""(\d+)""")]
    private static partial Regex Article();
}
