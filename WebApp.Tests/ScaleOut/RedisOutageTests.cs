using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using StackExchange.Redis;
using WebApp.Bench;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.ScaleOut;

/// <summary>
/// Redis going away stalls nothing: an instance keeps serving its own sockets at their own pace, what was said
/// meanwhile reaches the other instance once each when Redis is back, and presence is whole again on both within
/// seconds, over outages short and long (longer than an instance's heartbeat lives).
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class RedisOutageTests(ScaleOutServers servers) : OnTwoInstances(servers)
{
    [Fact]
    public async Task Outages_of_any_length_slow_no_socket_and_lose_double_or_split_nothing()
    {
        var (alice, aliceName) = await PersonOnAsync(A);
        var (carol, carolName) = await PersonOnAsync(A);
        var (bob, bobName) = await PersonOnAsync(B);
        using var _ = alice; using var __ = carol; using var ___ = bob;
        var slug = await alice.CreateRoomAsync("Outages");
        await using var aliceSocket = new Transcript(await alice.ConnectAsync(slug, after: 0));
        await using var carolSocket = new Transcript(await carol.ConnectAsync(slug, after: 0));
        await using var bobSocket = new Transcript(await bob.ConnectAsync(slug, after: 0));
        string[] everyone = [aliceName, carolName, bobName];
        await Task.WhenAll(aliceSocket.WaitForPresenceAsync(everyone, 15), bobSocket.WaitForPresenceAsync(everyone, 15));

        var sent = 0;
        foreach (var outage in new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(17) })
        {
            await Servers.Redis.StopAsync();
            Stopwatch down;
            try
            {
                // Known at once, not after a command timeout.
                var readiness = Stopwatch.StartNew();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, (await alice.Http.GetAsync("/readyz")).StatusCode);
                Assert.True(readiness.Elapsed < TimeSpan.FromSeconds(2), $"/readyz took {readiness.Elapsed} while Redis was down");
                down = Stopwatch.StartNew();

                // 30 messages at 20 a second on one socket reach another socket of the same instance within 4 s.
                var first = sent + 1;
                using (var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50)))
                {
                    for (var i = 0; i < 30; i++)
                    {
                        await aliceSocket.Socket.SendMessageAsync($"outage message {++sent}");
                        await pace.WaitForNextTickAsync();
                    }
                }
                await carolSocket.WaitForMessagesAsync(first, sent, timeoutSeconds: 4);

                var rest = outage - down.Elapsed;
                if (rest > TimeSpan.Zero) await Task.Delay(rest); // the outage itself: how long Redis stays away
            }
            finally
            {
                await Servers.Redis.StartAsync();
            }

            // Once each, in order, on the other instance; and presence whole on both within 8 s of Redis returning.
            var back = Stopwatch.StartNew();
            await bobSocket.WaitForMessagesAsync(1, sent, timeoutSeconds: 60);
            await Task.WhenAll(
                aliceSocket.WaitForPresenceAsync(everyone, 8 - back.Elapsed.TotalSeconds),
                bobSocket.WaitForPresenceAsync(everyone, 8 - back.Elapsed.TotalSeconds));
        }

        foreach (var transcript in new[] { aliceSocket, carolSocket, bobSocket })
        {
            Assert.Equal(Enumerable.Range(1, sent).Select(n => $"outage message {n}"), transcript.MessageTexts("outage message "));
        }
    }

    [Fact]
    public async Task Without_a_channel_prefix_keys_have_no_prefix()
    {
        await using var site = new SiteProcess(new Dictionary<string, string>
        {
            ["ConnectionStrings:Redis"] = Servers.Redis.ConnectionString,
        });
        await site.StartAsync();
        var (person, _) = await PersonOnAsync(site);
        using var __ = person;
        var slug = await person.CreateRoomAsync("No prefix");
        using var socket = await person.ConnectAsync(slug);
        await socket.SendMessageAsync("keys");
        await socket.ReceiveTextAsync();

        await using var redis = await ConnectionMultiplexer.ConnectAsync(Servers.Redis.ConnectionString);
        var keys = redis.GetServers().Single().Keys(pattern: "*chat:*").Select(key => (string)key!).ToList();

        Assert.Contains(keys, key => key.StartsWith("chat:jti:", StringComparison.Ordinal));
        Assert.DoesNotContain(keys, key => key.StartsWith("(null)", StringComparison.Ordinal));
    }

    private static async Task<(SiteClient Client, string Name)> PersonOnAsync(SiteProcess site)
    {
        var client = new SiteClient(site.BaseAddress);
        var email = await client.RegisterAsync();
        return (client, email.Split('@')[0]);
    }

    /// <summary>Everything one socket receives, read continuously, so a test can wait for a state whenever it arrived.</summary>
    private sealed class Transcript : IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> _frames = new();
        private readonly PresenceView _presence = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _reading;

        public Transcript(ClientWebSocket socket)
        {
            Socket = socket;
            _reading = Task.Run(ReadAsync);
        }

        public ClientWebSocket Socket { get; }

        private async Task ReadAsync()
        {
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            while (!_stop.IsCancellationRequested)
            {
                var result = await Socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close) return;
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                var frame = System.Text.Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                _presence.Apply(frame);
                _frames.Enqueue(frame);
                message.SetLength(0);
            }
        }

        /// <summary>The texts of received messages that contain <paramref name="marker"/>, in arrival order.</summary>
        public IReadOnlyList<string> MessageTexts(string marker) =>
            [.. _frames.Where(f => SocketExtensions.SeqOf(f) is not null)
                .Select(f => System.Text.RegularExpressions.Regex.Match(f, $"{marker}\\d+").Value)
                .Where(text => text.Length > 0)];

        public async Task WaitForMessagesAsync(int from, int to, int timeoutSeconds)
        {
            var expected = Enumerable.Range(from, to - from + 1).Select(n => $"outage message {n}").ToList();
            await WaitAsync(() => expected.All(MessageTexts("outage message ").Contains), timeoutSeconds,
                () => $"messages {from}-{to}; got {string.Join(", ", MessageTexts("outage message "))}");
        }

        public Task WaitForPresenceAsync(string[] names, double timeoutSeconds) =>
            WaitAsync(() => names.All(_presence.Names.Contains),
                timeoutSeconds, () => $"presence with {string.Join(", ", names)}; told: {_presence}");

        private async Task WaitAsync(Func<bool> condition, double timeoutSeconds, Func<string> expectation)
        {
            var deadline = Stopwatch.StartNew();
            while (!condition())
            {
                if (_reading.IsCompleted) Assert.Fail($"the socket closed while waiting for {expectation()}");
                if (deadline.Elapsed.TotalSeconds > timeoutSeconds) Assert.Fail($"not within {timeoutSeconds:0.#} s: {expectation()}");
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try { await _reading; } catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
            Socket.Dispose();
        }
    }
}
