using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace WebApp.Bench;

/// <summary>
/// Starts the site as its own process with a fresh database, signs users up through its forms, mints tokens with
/// its page handler, and drives it with real WebSocket and HTTP clients; every figure is measured here.
/// </summary>
public static partial class Benchmark
{
    /// <summary>Limits a production site keeps low, lifted so they do not cap what is being measured.</summary>
    private static readonly Dictionary<string, string> SiteSettings = new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Jwt:SocketTokenLifetime"] = "01:00:00",
        ["Chat:MaxSocketsPerUser"] = "10000",
        ["Chat:RateLimit:MessagesPerSecond"] = "10000",
        ["Chat:RateLimit:Burst"] = "100000",
        ["Chat:RateLimit:RejectionsBeforeClose"] = "100000",
    };

    public static async Task<BenchResult> RunAsync(BenchOptions options, TextWriter log)
    {
        await using var site = new SiteProcess(SiteSettings);
        log.WriteLine($"starting the site ({Path.Combine(AppContext.BaseDirectory, "WebApp.dll")}) at {site.BaseAddress}");
        await site.StartAsync();
        var result = new BenchResult(options);
        var users = await RegisterUsersAsync(site, Math.Min(options.Users, options.Clients), log);
        try
        {
            var task = options.Scenario switch
            {
                "connect" => ConnectAsync(site, users, options, result, log),
                "fanout" => FanoutAsync(site, users, options, result, log),
                "idle" => IdleAsync(site, users, options, result, log),
                "persist" => PersistAsync(site, users, options, result, log),
                "page" => PageAsync(site, users, options, result, log),
                _ => throw new ArgumentException($"unknown scenario {options.Scenario}"),
            };
            await task;
        }
        finally
        {
            foreach (var user in users) user.Dispose();
        }
        return result;
    }

    private static async Task<List<BenchUser>> RegisterUsersAsync(SiteProcess site, int count, TextWriter log)
    {
        log.WriteLine($"registering {count} users through the sign-up form");
        var users = Enumerable.Range(0, count).Select(_ => new BenchUser(site.BaseAddress)).ToList();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (user, _) => await user.RegisterAsync());
        return users;
    }

    /// <summary>Tokens from the page handler (timed), then upgrades with them (timed), <c>Concurrency</c> at a time.</summary>
    private static async Task<List<ClientWebSocket>> OpenSocketsAsync(
        SiteProcess site, List<BenchUser> users, string slug, int count, int concurrency, BenchResult? result, TextWriter log)
    {
        log.WriteLine($"minting {count} tokens and opening {count} sockets");
        var tokens = new string[count];
        var mintLatency = new Latencies();
        var mintStart = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
        {
            var start = Stopwatch.GetTimestamp();
            tokens[i] = await users[i % users.Count].MintTokenAsync(slug);
            mintLatency.AddElapsed(start);
        });
        var mintSeconds = Stopwatch.GetElapsedTime(mintStart).TotalSeconds;

        var sockets = new ClientWebSocket[count];
        var upgradeLatency = new Latencies();
        var serverCpu = new CpuMeter(site.Process);
        var upgradeStart = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, cancellationToken) =>
        {
            var start = Stopwatch.GetTimestamp();
            sockets[i] = await BenchUser.ConnectAsync(site.BaseAddress, slug, tokens[i], cancellationToken);
            upgradeLatency.AddElapsed(start);
        });
        var upgradeSeconds = Stopwatch.GetElapsedTime(upgradeStart).TotalSeconds;

        if (result is not null)
        {
            result.Add("token mints", count / mintSeconds, "/s");
            result.Add("token mint p50", mintLatency.Percentile(50), "ms");
            result.Add("token mint p99", mintLatency.Percentile(99), "ms");
            result.Add("upgrades", count / upgradeSeconds, "/s");
            result.Add("upgrade p50", upgradeLatency.Percentile(50), "ms");
            result.Add("upgrade p99", upgradeLatency.Percentile(99), "ms");
            result.Add("server CPU during upgrades", serverCpu.Cores(), "cores");
        }
        return [.. sockets];
    }

    private static async Task ConnectAsync(SiteProcess site, List<BenchUser> users, BenchOptions options, BenchResult result, TextWriter log)
    {
        var slug = await users[0].CreateRoomAsync("connect");
        var generator = new CpuMeter(Process.GetCurrentProcess());
        var sockets = await OpenSocketsAsync(site, users, slug, options.Clients, options.Concurrency, result, log);
        NoteLoadGenerator(result, generator);
        await CloseAllAsync(sockets);
    }

    private static async Task FanoutAsync(SiteProcess site, List<BenchUser> users, BenchOptions options, BenchResult result, TextWriter log)
    {
        var slug = await users[0].CreateRoomAsync("fanout");
        var sockets = await OpenSocketsAsync(site, users, slug, options.Clients, options.Concurrency, null, log);
        var expectedPerMember = options.Senders * options.Messages;
        var members = sockets.Select(_ => new FanoutMember(options.Senders, options.Messages)).ToArray();
        using var stop = new CancellationTokenSource();
        var receivers = sockets.Select((socket, i) => ReceiveLoopAsync(socket, frame => members[i].Take(frame), stop.Token)).ToList();

        log.WriteLine($"{options.Senders} senders send {options.Messages} messages each to {options.Clients} members");
        var generator = new CpuMeter(Process.GetCurrentProcess());
        var serverCpu = new CpuMeter(site.Process);
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, options.Senders).Select(s => SendAsync(sockets[s], s, options)));
        var sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        // Done when every member has everything, or when nothing more arrives for five seconds.
        long lastTotal = -1;
        var quietSince = Stopwatch.GetTimestamp();
        while (members.Any(m => m.Received < expectedPerMember))
        {
            await Task.Delay(50);
            var total = members.Sum(m => m.Received);
            if (total != lastTotal) (lastTotal, quietSince) = (total, Stopwatch.GetTimestamp());
            else if (Stopwatch.GetElapsedTime(quietSince) > TimeSpan.FromSeconds(5)) break;
        }
        var lastDelivery = members.Max(m => m.LastAt);
        var seconds = Stopwatch.GetElapsedTime(start, lastDelivery == 0 ? Stopwatch.GetTimestamp() : lastDelivery).TotalSeconds;
        var serverCores = serverCpu.Cores();
        NoteLoadGenerator(result, generator);
        stop.Cancel();

        var latency = new Latencies();
        foreach (var member in members) foreach (var sample in member.Latencies) latency.Add(sample);
        var delivered = members.Sum(m => m.Received);
        result.Add("messages sent", options.Senders * options.Messages / sendSeconds, "/s");
        result.Add("deliveries", delivered / seconds, "/s");
        result.Add("latency p50", latency.Percentile(50), "ms");
        result.Add("latency p99", latency.Percentile(99), "ms");
        result.Add("latency max", latency.Max, "ms");
        result.Add("lost", members.Sum(m => expectedPerMember - m.Unique), "deliveries");
        result.Add("duplicated", members.Sum(m => m.Received - m.Unique), "deliveries");
        result.Add("server CPU", serverCores, "cores");
        await Task.WhenAll(receivers);
        await CloseAllAsync(sockets);
    }

    private static async Task IdleAsync(SiteProcess site, List<BenchUser> users, BenchOptions options, BenchResult result, TextWriter log)
    {
        var slug = await users[0].CreateRoomAsync("idle");
        await Task.Delay(1000);
        var before = ProcessMemory.ResidentBytes(site.Process);
        var sockets = await OpenSocketsAsync(site, users, slug, options.Clients, options.Concurrency, null, log);
        using var stop = new CancellationTokenSource();
        var receivers = sockets.Select(socket => ReceiveLoopAsync(socket, _ => { }, stop.Token)).ToList();

        log.WriteLine($"holding {options.Clients} sockets open for {options.Seconds} s (after 2 s to settle)");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var serverCpu = new CpuMeter(site.Process);
        await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
        var after = ProcessMemory.ResidentBytes(site.Process);
        var open = sockets.Count(s => s.State == WebSocketState.Open);
        result.Add("open sockets", open, "sockets");
        result.Add("server RSS before", before / 1048576.0, "MiB");
        result.Add("server RSS with sockets", after / 1048576.0, "MiB");
        result.Add("RSS per socket", (after - before) / 1024.0 / Math.Max(1, open), "KiB");
        result.Add("server CPU while idle", serverCpu.Cores(), "cores");
        result.Notes.Add("managed heap per socket is not measured yet (needs EventPipe/dotnet-counters access to the server)");
        stop.Cancel();
        await Task.WhenAll(receivers);
        await CloseAllAsync(sockets);
    }

    /// <summary>Each client sends in a room of its own, flat out; a message counts once its echo proves it committed.</summary>
    private static async Task PersistAsync(SiteProcess site, List<BenchUser> users, BenchOptions options, BenchResult result, TextWriter log)
    {
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < options.Clients; i++)
        {
            var user = users[i % users.Count];
            var slug = await user.CreateRoomAsync($"persist {i}");
            sockets.Add(await BenchUser.ConnectAsync(site.BaseAddress, slug, await user.MintTokenAsync(slug), CancellationToken.None));
        }
        log.WriteLine($"{options.Clients} rooms, {options.Messages} messages each, flat out");
        var acknowledged = new int[sockets.Count];
        using var stop = new CancellationTokenSource();
        var receivers = sockets.Select((socket, i) => ReceiveLoopAsync(socket, frame =>
        {
            if (MessageText().IsMatch(frame)) Interlocked.Increment(ref acknowledged[i]);
        }, stop.Token)).ToList();

        var serverCpu = new CpuMeter(site.Process);
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(sockets.Select((socket, s) => SendAsync(socket, s, options with { Rate = 0 })));
        var expected = options.Clients * options.Messages;
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (acknowledged.Sum() < expected && Stopwatch.GetTimestamp() < deadline) await Task.Delay(10);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        stop.Cancel();
        await Task.WhenAll(receivers);

        await using var db = new SqliteConnection($"Data Source={site.DatabasePath};Mode=ReadOnly");
        await db.OpenAsync();
        await using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM Messages";
        var stored = Convert.ToInt64(await count.ExecuteScalarAsync());
        result.Add("messages durable and acknowledged", acknowledged.Sum() / seconds, "/s");
        result.Add("acknowledged", acknowledged.Sum(), "messages");
        result.Add("stored in the database", stored, "messages");
        result.Add("server CPU", serverCpu.Cores(), "cores");
        await CloseAllAsync(sockets);
    }

    /// <summary>Room pages with 50 messages of history, rendered for one signed-in user, <c>Concurrency</c> at a time.</summary>
    private static async Task PageAsync(SiteProcess site, List<BenchUser> users, BenchOptions options, BenchResult result, TextWriter log)
    {
        var slug = await users[0].CreateRoomAsync("page");
        using (var writer = await BenchUser.ConnectAsync(site.BaseAddress, slug, await users[0].MintTokenAsync(slug), CancellationToken.None))
        {
            await SendAsync(writer, 0, options with { Messages = 50, Rate = 0 });
            var received = 0;
            using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await ReceiveLoopAsync(writer, frame =>
            {
                if (MessageText().IsMatch(frame) && ++received == 50) enough.Cancel();
            }, enough.Token);
        }

        log.WriteLine($"requesting /rooms/{slug} from {options.Concurrency} clients for {options.Seconds} s");
        var latency = new Latencies();
        var failures = 0;
        var serverCpu = new CpuMeter(site.Process);
        var generator = new CpuMeter(Process.GetCurrentProcess());
        var end = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * options.Seconds);
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var requestStart = Stopwatch.GetTimestamp();
                using var response = await users[0].Http.GetAsync($"/rooms/{slug}", HttpCompletionOption.ResponseContentRead);
                if (response.IsSuccessStatusCode) latency.AddElapsed(requestStart);
                else Interlocked.Increment(ref failures);
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        result.Add("renders", latency.Count / seconds, "/s");
        result.Add("render p50", latency.Percentile(50), "ms");
        result.Add("render p99", latency.Percentile(99), "ms");
        result.Add("failed requests", failures, "requests");
        result.Add("server CPU", serverCpu.Cores(), "cores");
        NoteLoadGenerator(result, generator);
    }

    /// <summary>Messages "bench {sender} {n} {timestamp}", at <c>Rate</c> per second or flat out.</summary>
    private static async Task SendAsync(ClientWebSocket socket, int sender, BenchOptions options)
    {
        var start = Stopwatch.GetTimestamp();
        for (var n = 0; n < options.Messages; n++)
        {
            if (options.Rate > 0)
            {
                var due = TimeSpan.FromSeconds(n / options.Rate) - Stopwatch.GetElapsedTime(start);
                if (due > TimeSpan.Zero) await Task.Delay(due);
            }
            var frame = Encoding.UTF8.GetBytes($"{{\"text\":\"bench {sender} {n} {Stopwatch.GetTimestamp()}\"}}");
            await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
        }
    }

    private static async Task ReceiveLoopAsync(ClientWebSocket socket, Action<string> onFrame, CancellationToken stop)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), stop);
                if (received.MessageType == WebSocketMessageType.Close) return;
                message.Write(buffer.AsSpan(0, received.Count));
                if (!received.EndOfMessage) continue;
                onFrame(Encoding.UTF8.GetString(message.WrittenSpan));
                message.ResetWrittenCount();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Stopped by the scenario, or the server closed the socket.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task CloseAllAsync(IEnumerable<ClientWebSocket> sockets)
    {
        foreach (var socket in sockets) socket.Abort();
        await Task.CompletedTask;
    }

    private static void NoteLoadGenerator(BenchResult result, CpuMeter generator)
    {
        var cores = generator.Cores();
        result.Add("load generator CPU", cores, "cores");
        if (cores > 0.9)
        {
            result.Notes.Add($"the load generator used {cores:0.00} cores (over 90% of a core): it may be what limits these figures");
        }
    }

    [GeneratedRegex("message-text\">bench (\\d+) (\\d+) (\\d+)</p>")]
    internal static partial Regex MessageText();

    /// <summary>What one fanout member received: each (sender, n) at most once, and how late.</summary>
    private sealed class FanoutMember(int senders, int messages)
    {
        private readonly bool[] _seen = new bool[senders * messages];
        public List<double> Latencies { get; } = [];
        public int Received { get; private set; }
        public int Unique { get; private set; }
        public long LastAt { get; private set; }

        public void Take(string frame)
        {
            var match = MessageText().Match(frame);
            if (!match.Success) return;
            var now = Stopwatch.GetTimestamp();
            var index = int.Parse(match.Groups[1].ValueSpan) * messages + int.Parse(match.Groups[2].ValueSpan);
            Latencies.Add(Stopwatch.GetElapsedTime(long.Parse(match.Groups[3].ValueSpan), now).TotalMilliseconds);
            Received++;
            if (!_seen[index]) (_seen[index], Unique) = (true, Unique + 1);
            LastAt = now;
        }
    }
}
