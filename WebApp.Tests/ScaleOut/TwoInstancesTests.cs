using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using WebApp.Chat;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.ScaleOut;

/// <summary>
/// Two instances of the built site, each its own process on its own port, sharing a real PostgreSQL database and a
/// real Redis: what one instance's clients do reaches the other's, and neither a dead instance nor a Redis outage
/// loses or doubles a message.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class TwoInstancesTests(ScaleOutServers servers) : IAsyncLifetime
{
    private SiteProcess _a = null!;
    private SiteProcess _b = null!;

    public async Task InitializeAsync()
    {
        // Beats every second (lifetime 3 s), so a dead instance's people drop out of presence within seconds.
        (_a, _b) = await TwoInstances.StartAsync(servers, new Dictionary<string, string> { ["ScaleOut:HeartbeatInterval"] = "00:00:01" });
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task A_message_sent_on_one_instance_reaches_sockets_on_the_other()
    {
        using var people = await AliceOnAAndBobOnBAsync("Across instances");
        var (alice, bob, slug, aliceSocket, bobSocket) = people;

        await aliceSocket.SendMessageAsync("hello from A");
        Assert.Contains("hello from A", await bobSocket.ReceiveTextAsync());
        Assert.Contains("hello from A", await aliceSocket.ReceiveTextAsync());

        await bobSocket.SendMessageAsync("hello from B");
        Assert.Contains("hello from B", await aliceSocket.ReceiveTextAsync());
        Assert.Contains("hello from B", await bobSocket.ReceiveTextAsync());
    }

    [Fact]
    public async Task A_cookie_from_one_instance_is_accepted_by_the_other_and_both_see_who_is_online()
    {
        using var alice = new SiteClient(_a.BaseAddress);
        using var bob = new SiteClient(_b.BaseAddress);
        await alice.RegisterAsync();
        await bob.RegisterAsync();
        await bob.SetDisplayNameAsync("Bob on B");
        await alice.SetDisplayNameAsync("Alice on A");
        var slug = await alice.CreateRoomAsync("Cookies and presence");

        // The same browser session, now talking to B: the shared key ring and application name make A's cookie valid.
        using var aliceOnB = new SiteClient(_b.BaseAddress, alice.Cookies);
        Assert.Equal(HttpStatusCode.OK, (await aliceOnB.Http.GetAsync($"/rooms/{slug}")).StatusCode);

        using var aliceSocket = await alice.ConnectAsync(slug);
        using var bobSocket = await bob.ConnectAsync(slug);
        await aliceSocket.WaitForPresenceAsync("Alice on A", "Bob on B");
        await bobSocket.WaitForPresenceAsync("Alice on A", "Bob on B");
        // The rooms list on either instance counts both.
        Assert.Contains("<span class=\"room-online\">2 online</span>", await alice.Http.GetStringAsync("/"));
        Assert.Contains("<span class=\"room-online\">2 online</span>", await bob.Http.GetStringAsync("/"));
    }

    [Fact]
    public async Task When_an_instance_dies_its_people_drop_out_of_the_list_on_the_other_though_nobody_announced_it()
    {
        using var alice = new SiteClient(_a.BaseAddress);
        using var bob = new SiteClient(_b.BaseAddress);
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Ghosts");
        await alice.SetDisplayNameAsync("Alice stays");
        await bob.SetDisplayNameAsync("Bob on the dying instance");
        using var aliceSocket = await alice.ConnectAsync(slug);
        using var bobSocket = await bob.ConnectAsync(slug);
        await aliceSocket.WaitForPresenceAsync("Alice stays", "Bob on the dying instance");

        // A killed process says nothing: no socket leaves, no announcement, its hash field stays in Redis.
        await _b.KillAsync();
        await aliceSocket.WaitForPresenceAsync(view => !view.Names.Contains("Bob on the dying instance"), "Bob gone", timeoutSeconds: 30);
        Assert.Equal(["Alice stays"], aliceSocket.Presence().Names);
        Assert.Equal("1 online", aliceSocket.Presence().CountText);
        Assert.Contains("<span class=\"room-online\">1 online</span>", await alice.Http.GetStringAsync("/"));
    }

    [Fact]
    public async Task Signing_out_on_one_instance_closes_that_sessions_socket_on_the_other_within_a_second()
    {
        using var alice = new SiteClient(_a.BaseAddress);
        var slug = await alice.SignUpWithRoomAsync("Sign out across instances");
        using var aliceOnB = new SiteClient(_b.BaseAddress, alice.Cookies);
        using var socketOnB = await aliceOnB.ConnectAsync(slug);

        var closing = socketOnB.ReceiveCloseAsync();
        var signedOutAt = Stopwatch.GetTimestamp();
        await alice.SignOutAsync();
        Assert.Equal(ChatCloseCodes.Unauthorized, await closing);
        Assert.True(Stopwatch.GetElapsedTime(signedOutAt) < TimeSpan.FromSeconds(1), $"closed after {Stopwatch.GetElapsedTime(signedOutAt)}");
    }

    [Fact]
    public async Task A_token_used_on_one_instance_cannot_be_replayed_on_the_other()
    {
        using var alice = new SiteClient(_a.BaseAddress);
        var slug = await alice.SignUpWithRoomAsync("Replay across instances");
        var token = (await alice.SocketTokenAsync(slug)).Token;
        using var first = await alice.ConnectWithTokenAsync(slug, token);

        using var onB = new SiteClient(_b.BaseAddress);
        Assert.Equal(HttpStatusCode.Unauthorized, await onB.UpgradeStatusAsync(slug, token));
    }

    [Fact]
    public async Task Concurrent_writers_on_both_instances_share_one_gap_free_order()
    {
        const int SendersPerInstance = 3, MessagesEach = 20, Total = 2 * SendersPerInstance * MessagesEach;
        var owner = new SiteClient(_a.BaseAddress);
        var slug = await owner.SignUpWithRoomAsync("Concurrent writers");
        using var listenerOnA = await owner.ConnectAsync(slug);
        using var listenerOnB = await new SiteClient(_b.BaseAddress, owner.Cookies).ConnectAsync(slug);

        var senders = new List<ClientWebSocket>();
        foreach (var site in new[] { _a, _b })
        {
            for (var i = 0; i < SendersPerInstance; i++)
            {
                var client = new SiteClient(site.BaseAddress);
                await client.RegisterAsync();
                senders.Add(await client.ConnectAsync(slug));
            }
        }
        var receivingOnA = ReceiveSeqsAsync(listenerOnA, Total);
        var receivingOnB = ReceiveSeqsAsync(listenerOnB, Total);

        await Task.WhenAll(senders.Select(async (socket, s) =>
        {
            for (var n = 0; n < MessagesEach; n++) await socket.SendMessageAsync($"sender {s} message {n}");
        }));

        long[] inOrder = [.. Enumerable.Range(1, Total).Select(i => (long)i)];
        Assert.Equal(inOrder, await receivingOnA);
        Assert.Equal(inOrder, await receivingOnB);
        foreach (var socket in senders) socket.Dispose();
    }

    [Fact]
    public async Task Clients_of_a_killed_instance_resume_on_the_other_with_nothing_lost()
    {
        using var people = await AliceOnAAndBobOnBAsync("Instance dies");
        var (alice, bob, slug, aliceSocket, bobSocket) = people;

        await bobSocket.SendMessageAsync("one");
        var lastSeen = SocketExtensions.SeqOf(await aliceSocket.ReceiveTextAsync());
        await _a.KillAsync();
        aliceSocket.Dispose();

        await bobSocket.SendMessageAsync("two, while A is dead");
        await bobSocket.SendMessageAsync("three, while A is dead");

        // Alice's page would reconnect to the surviving instance with her cookie and the last sequence it showed.
        using var aliceOnB = new SiteClient(_b.BaseAddress, alice.Cookies);
        using var resumed = await aliceOnB.ConnectAsync(slug, after: lastSeen);
        Assert.Contains("two, while A is dead", await resumed.ReceiveTextAsync());
        Assert.Contains("three, while A is dead", await resumed.ReceiveTextAsync());
        await bobSocket.SendMessageAsync("four");
        var next = await resumed.ReceiveTextAsync();
        Assert.Contains("four", next);
        Assert.Equal(lastSeen + 3, SocketExtensions.SeqOf(next));
    }

    [Fact]
    public async Task A_redis_outage_is_repaired_from_the_database_and_readyz_reports_it()
    {
        using var people = await AliceOnAAndBobOnBAsync("Redis outage");
        var (alice, bob, slug, aliceSocket, bobSocket) = people;
        await bobSocket.SendMessageAsync("before the outage");
        Assert.Contains("before the outage", await aliceSocket.ReceiveTextAsync());
        Assert.Contains("before the outage", await bobSocket.ReceiveTextAsync());

        await servers.Redis.StopAsync();
        try
        {
            await WaitForStatusAsync(bob.Http, "/readyz", HttpStatusCode.ServiceUnavailable);
            Assert.Equal(HttpStatusCode.OK, (await bob.Http.GetAsync("/healthz")).StatusCode);
            // B keeps serving its own sockets: stored, and echoed to the sender.
            await bobSocket.SendMessageAsync("during the outage");
            Assert.Contains("during the outage", await bobSocket.ReceiveTextAsync());
            // No new sockets while a replayed token could not be detected.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await bob.UpgradeStatusAsync(slug, (await bob.SocketTokenAsync(slug)).Token));
        }
        finally
        {
            await servers.Redis.StartAsync();
        }

        // Once A is back on Redis it reads what it missed from the database; then live traffic flows again.
        // Presence is re-announced on reconnection too: skip those frames.
        (string? Text, System.Net.WebSockets.WebSocketCloseStatus? Close) repaired;
        do repaired = await aliceSocket.ReceiveAsync(timeoutSeconds: 60);
        while (repaired.Text is { } text && SocketExtensions.IsPresence(text));
        Assert.Contains("during the outage", repaired.Text);
        await WaitForStatusAsync(bob.Http, "/readyz", HttpStatusCode.OK);
        await aliceSocket.SendMessageAsync("after the outage");
        Assert.Contains("after the outage", await bobSocket.ReceiveTextAsync());
    }

    private sealed record TwoPeople(SiteClient Alice, SiteClient Bob, string Slug, ClientWebSocket AliceSocket, ClientWebSocket BobSocket)
        : IDisposable
    {
        public void Dispose()
        {
            AliceSocket.Dispose();
            BobSocket.Dispose();
            Alice.Dispose();
            Bob.Dispose();
        }
    }

    /// <summary>Two people, each signed up on an instance of their own, with a socket each in a room Alice created.</summary>
    private async Task<TwoPeople> AliceOnAAndBobOnBAsync(string roomName)
    {
        var alice = new SiteClient(_a.BaseAddress);
        var bob = new SiteClient(_b.BaseAddress);
        var slug = await alice.SignUpBothWithRoomAsync(bob, roomName);
        return new TwoPeople(alice, bob, slug, await alice.ConnectAsync(slug), await bob.ConnectAsync(slug));
    }

    private static async Task<long[]> ReceiveSeqsAsync(WebSocket socket, int count)
    {
        var seqs = new List<long>();
        while (seqs.Count < count)
        {
            if (SocketExtensions.SeqOf(await socket.ReceiveTextAsync()) is { } seq) seqs.Add(seq);
        }
        return [.. seqs];
    }

    private static async Task WaitForStatusAsync(HttpClient http, string path, HttpStatusCode expected)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
        HttpStatusCode last;
        do
        {
            last = (await http.GetAsync(path)).StatusCode;
            if (last == expected) return;
            await Task.Delay(200);
        }
        while (Stopwatch.GetTimestamp() < deadline);
        Assert.Fail($"{path} answered {last}, expected {expected}");
    }
}
