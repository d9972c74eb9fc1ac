using System.Net;
using System.Net.WebSockets;
using Microsoft.EntityFrameworkCore;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

/// <summary>Nothing missed, nothing doubled: the resume protocol (?after=) and client ids.</summary>
[Collection(ChatServerCollection.Name)]
public sealed class ResumeTests(ChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _alice = server.NewVisitor();
    private readonly SiteClient _bob = server.NewVisitor();
    private string _slug = "";

    public async Task InitializeAsync()
    {
        _slug = await _alice.SignUpBothWithRoomAsync(_bob, "Resume");
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        return Task.CompletedTask;
    }

    private async Task SendAndConfirmAsync(WebSocket socket, int count, string prefix = "m")
    {
        for (var i = 1; i <= count; i++)
        {
            await socket.SendMessageAsync($"{prefix} {i}");
            await socket.ReceiveTextAsync();
        }
    }

    /// <summary>Message sequence numbers received until <paramref name="untilSeq"/> arrives.</summary>
    private static async Task<List<long>> SeqsUntilAsync(WebSocket socket, long untilSeq)
    {
        var seen = new List<long>();
        try
        {
            while (seen.Count == 0 || seen[^1] < untilSeq)
            {
                if (SocketExtensions.SeqOf(await socket.ReceiveTextAsync()) is { } seq) seen.Add(seq);
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"stopped after receiving {seen.Count} messages (last {seen.LastOrDefault()}): {e.Message}");
        }
        return seen;
    }

    [Fact]
    public async Task Reconnecting_after_a_sequence_gets_what_was_missed_in_order_then_live_messages()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await SendAndConfirmAsync(alice, 5);

        using var bob = await _bob.ConnectAsync(_slug, after: 2);
        await alice.SendMessageAsync("live one");

        Assert.Equal([3L, 4, 5, 6], await SeqsUntilAsync(bob, 6));
    }

    [Fact]
    public async Task Catch_up_has_no_gap_and_no_duplicate_while_messages_keep_arriving()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await SendAndConfirmAsync(alice, 10);
        const int total = 200; // within the test server's catch-up bound, so no joiner is told to reload instead
        Task<int> StoredAsync() => server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == _slug));

        // Alice talks flat out (reading her echoes in the background, as a page does) while eight sockets
        // reconnect at different moments from a little way back, each reading what it missed and then following
        // live: each join is a chance for a live message to overtake, duplicate or skip a missed one.
        var tokens = new List<string>();
        for (var i = 0; i < 8; i++) tokens.Add((await _bob.SocketTokenAsync(_slug)).Token);
        _ = new CloseWatch(alice);
        var talking = Task.Run(async () =>
        {
            for (var i = 11; i <= total; i++)
            {
                await alice.SendMessageAsync($"m {i}");
                if (i % 4 == 0) await Task.Delay(1);
            }
        });
        var joiners = tokens.Select(async (token, n) =>
        {
            await Task.Delay(5 + 12 * n);
            var after = Math.Max(0, await StoredAsync() - 40);
            using var bob = await _bob.ConnectWithTokenAsync(_slug, token, after);
            var joinedMidStream = await StoredAsync() < total;
            return (after, joinedMidStream, seen: await SeqsUntilAsync(bob, total));
        }).ToList();
        var results = await Task.WhenAll(joiners);
        await talking;

        Assert.All(results, result => Assert.Equal(Enumerable.Range(result.after + 1, total - result.after).Select(i => (long)i), result.seen));
        Assert.Contains(results, result => result.joinedMidStream);
    }

    [Fact]
    public async Task Missing_more_than_the_bound_asks_the_client_to_reload_its_history()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        await SendAndConfirmAsync(alice, 201);

        using var farBehind = await _bob.ConnectAsync(_slug, after: 0);
        using var fromTheFuture = await _bob.ConnectAsync(_slug, after: 5000);
        using var withinReach = await _bob.ConnectAsync(_slug, after: 1);

        Assert.StartsWith("<div id=\"chat-resync\"", await farBehind.ReceiveTextAsync());
        Assert.StartsWith("<div id=\"chat-resync\"", await fromTheFuture.ReceiveTextAsync());
        Assert.Equal(2, SocketExtensions.SeqOf(await withinReach.ReceiveTextAsync()));
    }

    [Theory]
    [InlineData("after=-1")]
    [InlineData("after=abc")]
    [InlineData("after=1&after=2")]
    public async Task A_malformed_after_is_refused_with_400(string query)
    {
        var token = (await _bob.SocketTokenAsync(_slug)).Token;

        Assert.Equal(HttpStatusCode.BadRequest, await _bob.UpgradeStatusAsync(_slug, token, query: query));
    }

    [Fact]
    public async Task A_resent_message_is_stored_once_and_acknowledged_again_to_its_sender_only()
    {
        using var alice = await _alice.ConnectAsync(_slug);
        using var bob = await _bob.ConnectAsync(_slug);
        var clientId = Guid.NewGuid().ToString("N");

        await alice.SendMessageAsync("exactly once", clientId);
        var first = await alice.ReceiveTextAsync();
        await alice.SendMessageAsync("exactly once", clientId);
        var again = await alice.ReceiveTextAsync();
        await alice.SendMessageAsync("next");
        await alice.ReceiveTextAsync();

        Assert.Contains($"data-client-id=\"{clientId}\"", first);
        Assert.Equal(first, again);
        Assert.Contains("exactly once", await bob.ReceiveTextAsync());
        Assert.Contains("next", await bob.ReceiveTextAsync());
        Assert.Equal(1, await server.QueryAsync(db => db.Messages.CountAsync(m => m.ClientId == clientId)));
    }

    [Fact]
    public async Task A_malformed_client_id_gets_an_error_and_nothing_is_stored()
    {
        using var alice = await _alice.ConnectAsync(_slug);

        await alice.SendMessageAsync("bad id", "not valid!");

        Assert.Contains("clientId must be", await alice.ReceiveTextAsync());
        Assert.Equal(0, await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == _slug)));
    }
}
