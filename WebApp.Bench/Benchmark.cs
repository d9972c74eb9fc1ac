using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Net.WebSockets;

namespace WebApp.Bench;

/// <summary>
/// Starts the site as deployed (published, Production, behind a TLS proxy) as its own process with a fresh database,
/// signs users up through its forms, mints tokens with its page handler, and drives it with real WebSocket and HTTP
/// clients; with <c>--against bare</c> drives the bare peer the same way. Every figure is measured here.
/// </summary>
public static class Benchmark
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

    /// <summary>
    /// Runs the scenario against the site (per room size of <c>--sizes</c>), then, with <c>--against bare</c>, the same
    /// workload against the bare peer, and pairs the results up with their ratios.
    /// </summary>
    public static async Task<BenchResult> RunAsync(BenchOptions options, TextWriter log)
    {
        var pinning = CorePinning.For(options);
        if (pinning is not null) await pinning.PinThisProcessAsync();
        int[] sizes = options.Sizes ?? [options.Clients];
        var siteRuns = new List<BenchResult>();
        await using (var site = await Deployment.StartAsync(options, SiteSettings, pinning?.ServerCores, log))
        {
            var users = await RegisterUsersAsync(site, Math.Max(options.Instances, Math.Min(options.Users, sizes.Max())), log);
            try
            {
                var server = new SiteUnderTest(site, users);
                foreach (var size in sizes)
                {
                    var sized = options.ForSize(size);
                    var result = new BenchResult(sized) { Deployment = site.Description };
                    await (options.Scenario switch
                    {
                        "connect" => ConnectAsync(server, sized, result, log),
                        "fanout" => FanoutAsync(server, sized, pinning, result, log),
                        "idle" => IdleAsync(site, users, sized, result, log),
                        "persist" => PersistAsync(site, users, sized, result, log),
                        "page" => PageAsync(site, users, sized, result, log),
                        _ => throw new ArgumentException($"unknown scenario {options.Scenario}"),
                    });
                    siteRuns.Add(result);
                }
            }
            finally
            {
                foreach (var user in users) user.Dispose();
            }
        }
        if (options.Against == "bare") await AgainstBareAsync(siteRuns, pinning, log);

        var first = siteRuns[0];
        if (siteRuns.Count > 1) first.Sizes.AddRange(siteRuns);
        if (pinning is not null) first.Notes.Add(pinning.Description);
        else first.Notes.Add("not pinned: server and load generator share every CPU");
        return first;
    }

    /// <summary>The same workload against the bare peer, with frames the size of the site's; pairs each size's results up.</summary>
    private static async Task AgainstBareAsync(List<BenchResult> siteRuns, CorePinning? pinning, TextWriter log)
    {
        var overhead = siteRuns[0].Has(FrameOverheadMetric) ? (int)siteRuns[0][FrameOverheadMetric] : 0;
        log.WriteLine(siteRuns[0].Options.Scenario == "connect"
            ? "starting the bare peer"
            : $"starting the bare peer (frames {overhead} bytes longer than their text, as the site's)");
        await using var bare = await BareServerProcess.StartAsync(overhead, pinning?.ServerCores);
        foreach (var site in siteRuns)
        {
            var result = new BenchResult(site.Options) { Deployment = "bare Kestrel WebSockets (no auth, no storage)" };
            await (site.Options.Scenario == "connect"
                ? ConnectAsync(bare, site.Options, result, log)
                : FanoutAsync(bare, site.Options, pinning, result, log));
            site.Bare = result;
            if (site.Options.Scenario == "connect")
            {
                site.AddRatio("upgrades/s, site ÷ bare", site["upgrades"], result["upgrades"], "≥ 0.8");
            }
            else
            {
                site.AddRatio("deliveries/s, site ÷ bare", site["deliveries"], result["deliveries"], "≥ 0.9");
                site.AddRatio("server CPU per delivery, site ÷ bare", site["server CPU per delivery"], result["server CPU per delivery"], "≤ 1.0");
            }
        }
    }

    /// <summary>Users take turns over the instances; each mints its tokens and opens its sockets on its own.</summary>
    private static async Task<List<BenchUser>> RegisterUsersAsync(Deployment site, int count, TextWriter log)
    {
        log.WriteLine($"registering {count} users through the sign-up form");
        var users = Enumerable.Range(0, count).Select(i => new BenchUser(site.AddressFor(i))).ToList();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (user, _) => await user.RegisterAsync());
        return users;
    }

    /// <summary>Tokens from the page handler (timed; none for the bare peer), then upgrades with them (timed), <c>Concurrency</c> at a time.</summary>
    private static async Task<List<ClientWebSocket>> OpenSocketsAsync(
        IBenchServer server, string slug, int count, int concurrency, BenchResult? result, TextWriter log)
    {
        log.WriteLine(server.MintsTokens
            ? $"{server.Name}: minting {count} tokens and opening {count} sockets"
            : $"{server.Name}: opening {count} sockets (no tokens to mint)");
        var tokens = new string[count];
        var mintLatency = new Latencies();
        var mintStart = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
        {
            var start = Stopwatch.GetTimestamp();
            tokens[i] = await server.MintTokenAsync(i, slug);
            mintLatency.AddElapsed(start);
        });
        var mintSeconds = Stopwatch.GetElapsedTime(mintStart).TotalSeconds;

        var sockets = new ClientWebSocket[count];
        var upgradeLatency = new Latencies();
        var serverCpu = server.ServerCpu();
        var upgradeStart = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, cancellationToken) =>
        {
            var start = Stopwatch.GetTimestamp();
            sockets[i] = await BenchUser.ConnectAsync(server.AddressFor(i), slug, tokens[i], cancellationToken);
            upgradeLatency.AddElapsed(start);
        });
        var upgradeSeconds = Stopwatch.GetElapsedTime(upgradeStart).TotalSeconds;

        if (result is not null)
        {
            if (server.MintsTokens)
            {
                result.Add("token mints", count / mintSeconds, "/s");
                result.Add("token mint p50", mintLatency.Percentile(50), "ms");
                result.Add("token mint p99", mintLatency.Percentile(99), "ms");
            }
            result.Add("upgrades", count / upgradeSeconds, "/s");
            result.Add("upgrade p50", upgradeLatency.Percentile(50), "ms");
            result.Add("upgrade p99", upgradeLatency.Percentile(99), "ms");
            var cores = serverCpu.Cores();
            result.Add("server CPU during upgrades", cores, "cores");
            result.Add("server CPU per upgrade", cores * upgradeSeconds / count * 1e6, "µs");
        }
        return [.. sockets];
    }

    private static async Task ConnectAsync(IBenchServer server, BenchOptions options, BenchResult result, TextWriter log)
    {
        var slug = await server.CreateRoomAsync("connect");
        var generator = new CpuMeter(Process.GetCurrentProcess());
        var sockets = await OpenSocketsAsync(server, slug, options.Clients, options.Concurrency, result, log);
        NoteLoadGenerator(result, generator);
        await CloseAllAsync(sockets);
    }

    /// <summary>
    /// One room: the first S sockets send, every socket counts what it receives. With <c>--processes P</c> the members
    /// other than the senders are dealt out over P processes (this one and P-1 children), so receiving scales out too.
    /// </summary>
    private static async Task FanoutAsync(IBenchServer server, BenchOptions options, CorePinning? pinning, BenchResult result, TextWriter log)
    {
        var slug = await server.CreateRoomAsync($"fanout {options.Clients}");
        var elsewhere = Enumerable.Range(options.Senders, options.Clients - options.Senders)
            .Where(i => i % options.Processes != 0)
            .GroupBy(i => i % options.Processes)
            .ToList();
        var children = new List<ReceiverProcess>();
        try
        {
            foreach (var share in elsewhere)
            {
                List<(Uri, string)> sockets = [];
                foreach (var i in share) sockets.Add((server.AddressFor(i), await server.MintTokenAsync(i, slug)));
                children.Add(ReceiverProcess.Start(sockets, slug, options, pinning?.GeneratorCores));
            }
            if (children.Count > 0)
            {
                log.WriteLine($"{children.Count} receiver {(children.Count == 1 ? "process holds" : "processes hold")} {elsewhere.Sum(g => g.Count())} of the members; this one holds the rest and the senders");
            }
            await Task.WhenAll(children.Select(c => c.Ready));
            await FanoutWithReceiversAsync(server, slug, options.Clients - elsewhere.Sum(g => g.Count()), children, options, result, log);
        }
        finally
        {
            foreach (var child in children) await child.DisposeAsync();
        }
    }

    private const string FrameOverheadMetric = "frame bytes besides the text";

    private static async Task FanoutWithReceiversAsync(IBenchServer server, string slug, int localCount,
        List<ReceiverProcess> children, BenchOptions options, BenchResult result, TextWriter log)
    {
        var sockets = await OpenSocketsAsync(server, slug, localCount, options.Concurrency, null, log);
        var expectedPerMember = options.Senders * options.Messages;
        var members = sockets.Select(_ => new FanoutMember(options.Senders, options.Messages)).ToArray();
        using var stop = new CancellationTokenSource();
        var receivers = sockets.Select((socket, i) => ReceiveLoopAsync(socket, members[i], stop.Token)).ToList();

        log.WriteLine($"{server.Name}: {options.Senders} senders send {options.Messages} messages each to {options.Clients} members");
        var generator = new CpuMeter(Process.GetCurrentProcess());
        var serverCpu = server.ServerCpu();
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, options.Senders).Select(s => SendAsync(sockets[s], s, options)));
        var sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        // The server's CPU up to the last delivery seen here: the quiet wait after losses is not the server's work.
        var serverCpuSeconds = serverCpu.Used().TotalSeconds;
        await UntilAllReceivedOrQuietAsync(members, expectedPerMember, waitForFirst: false, () => serverCpuSeconds = serverCpu.Used().TotalSeconds);
        serverCpuSeconds = members.All(m => m.Received == expectedPerMember) ? serverCpu.Used().TotalSeconds : serverCpuSeconds;
        var reports = await Task.WhenAll(children.Select(c => c.Report));
        var lastDelivery = Math.Max(members.Max(m => m.LastAt), reports.Length == 0 ? 0 : reports.Max(r => r.LastAt));
        var seconds = Stopwatch.GetElapsedTime(start, lastDelivery == 0 ? Stopwatch.GetTimestamp() : lastDelivery).TotalSeconds;
        var serverCores = serverCpuSeconds / seconds;
        NoteLoadGenerator(result, generator, reports.Select(r => r.CpuSeconds / seconds).ToList());
        stop.Cancel();
        await Task.WhenAll(receivers);

        var latency = new Latencies();
        foreach (var member in members) foreach (var sample in member.Latencies) latency.Add(sample);
        foreach (var report in reports) foreach (var sample in ReceiverProcess.ReadLatencies(report.LatencyFile)) latency.Add(sample);
        var delivered = members.Sum(m => (long)m.Received) + reports.Sum(r => r.Received);
        var unique = members.Sum(m => (long)m.Unique) + reports.Sum(r => r.Unique);
        var memberCount = members.Length + reports.Sum(r => r.Members);
        var closes = FanoutMember.Closes(members);
        foreach (var (code, count) in reports.SelectMany(r => r.Closed)) closes[code] = closes.GetValueOrDefault(code) + count;
        result.Add("messages sent", options.Senders * options.Messages / sendSeconds, "/s");
        result.Add("deliveries", delivered / seconds, "/s");
        result.Add("latency p50", latency.Percentile(50), "ms");
        result.Add("latency p99", latency.Percentile(99), "ms");
        result.Add("latency max", latency.Max, "ms");
        result.Add("lost", (long)memberCount * expectedPerMember - unique, "deliveries");
        result.Add("duplicated", delivered - unique, "deliveries");
        result.Add("closed by the server", closes.Values.Sum(), "sockets");
        foreach (var (code, count) in closes.OrderBy(c => c.Key)) result.Add($"closed by the server with {code}", count, "sockets");
        result.Add("server CPU", serverCores, "cores");
        result.Add("server CPU per delivery", delivered == 0 ? double.NaN : serverCpuSeconds / delivered * 1e6, "µs");
        result.Add(FrameOverheadMetric, members.Max(m => m.FrameOverhead), "bytes");
        foreach (var report in reports) File.Delete(report.LatencyFile);
        await CloseAllAsync(sockets);
    }

    /// <summary>
    /// Until every member has everything, or nothing more arrived for five seconds (after the first, if asked);
    /// <paramref name="onProgress"/> runs each time more arrived (within 50 ms of it).
    /// </summary>
    internal static async Task UntilAllReceivedOrQuietAsync(FanoutMember[] members, int expectedPerMember, bool waitForFirst, Action? onProgress = null)
    {
        long lastTotal = waitForFirst ? 0 : -1;
        var quietSince = Stopwatch.GetTimestamp();
        var giveUpAt = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 600;
        while (members.Any(m => m.Received < expectedPerMember) && Stopwatch.GetTimestamp() < giveUpAt)
        {
            await Task.Delay(50);
            var total = members.Sum(m => (long)m.Received);
            if (total != lastTotal)
            {
                (lastTotal, quietSince) = (total, Stopwatch.GetTimestamp());
                onProgress?.Invoke();
            }
            else if (total > 0 || !waitForFirst)
            {
                if (Stopwatch.GetElapsedTime(quietSince) > TimeSpan.FromSeconds(5)) break;
            }
        }
    }

    private static async Task IdleAsync(Deployment site, List<BenchUser> users, BenchOptions options, BenchResult result, TextWriter log)
    {
        var slug = await users[0].CreateRoomAsync("idle");
        await Task.Delay(1000);
        var before = site.ResidentBytes();
        var heapBefore = await site.ManagedHeapBytesAsync();
        var typesBefore = options.HeapTypes > 0 ? await ServerHeap.LiveObjectsByTypeAsync(site.Instances[0].Process.Id) : null;
        var sockets = await OpenSocketsAsync(new SiteUnderTest(site, users), slug, options.Clients, options.Concurrency, null, log);
        using var stop = new CancellationTokenSource();
        var receivers = sockets.Select(socket => ReceiveLoopAsync(socket, _ => { }, stop.Token)).ToList();

        log.WriteLine($"holding {options.Clients} sockets open for {options.Seconds} s (after 2 s to settle)");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var serverCpu = site.ServerCpu();
        await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
        var after = site.ResidentBytes();
        var heapAfter = await site.ManagedHeapBytesAsync();
        var typesAfter = options.HeapTypes > 0 ? await ServerHeap.LiveObjectsByTypeAsync(site.Instances[0].Process.Id) : null;
        var open = sockets.Count(s => s.State == WebSocketState.Open);
        result.Add("open sockets", open, "sockets");
        result.Add("server RSS before", before / 1048576.0, "MiB");
        result.Add("server RSS with sockets", after / 1048576.0, "MiB");
        result.Add("RSS per socket", (after - before) / 1024.0 / Math.Max(1, open), "KiB");
        result.Add("server CPU while idle", serverCpu.Cores(), "cores");
        if (heapBefore is { } heap0 && heapAfter is { } heap1)
        {
            result.Add("managed heap before", heap0 / 1048576.0, "MiB");
            result.Add("managed heap with sockets", heap1 / 1048576.0, "MiB");
            result.Add("managed heap per socket", (heap1 - heap0) / 1024.0 / Math.Max(1, open), "KiB");
        }
        else
        {
            result.Notes.Add("the server's managed heap could not be read (diagnostics IPC unreachable)");
        }
        if (typesBefore is not null && typesAfter is not null)
        {
            var perSocket = typesAfter
                .Select(type => (Name: type.Key, After: type.Value, Before: typesBefore.GetValueOrDefault(type.Key)))
                .Select(type => (type.Name, Count: (type.After.Count - type.Before.Count) / (double)Math.Max(1, open),
                    Bytes: (type.After.Bytes - type.Before.Bytes) / (double)Math.Max(1, open)))
                .OrderByDescending(type => type.Bytes)
                .ToList();
            result.Add("live objects per socket (heap dump)", perSocket.Sum(type => type.Count), "objects");
            result.Add("live bytes per socket (heap dump)", perSocket.Sum(type => type.Bytes), "bytes");
            foreach (var type in perSocket.Take(options.HeapTypes))
            {
                result.Notes.Add($"per socket: {type.Bytes,8:0} bytes in {type.Count,5:0.00} × {type.Name}");
            }
        }
        stop.Cancel();
        await Task.WhenAll(receivers);
        await CloseAllAsync(sockets);
    }

    /// <summary>Each client sends in a room of its own, flat out; a message counts once its echo proves it committed.</summary>
    private static async Task PersistAsync(Deployment site, List<BenchUser> users, BenchOptions options, BenchResult result, TextWriter log)
    {
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < options.Clients; i++)
        {
            var user = users[i % users.Count];
            var slug = await user.CreateRoomAsync($"persist {i}");
            sockets.Add(await BenchUser.ConnectAsync(user.Site, slug, await user.MintTokenAsync(slug), CancellationToken.None));
        }
        log.WriteLine($"{options.Clients} rooms, {options.Messages} messages each, flat out");
        var acknowledged = new int[sockets.Count];
        using var stop = new CancellationTokenSource();
        var receivers = sockets.Select((socket, i) => ReceiveLoopAsync(socket, frame =>
        {
            if (BenchMessage.TryParse(frame, out _)) Interlocked.Increment(ref acknowledged[i]);
        }, stop.Token)).ToList();

        var serverCpu = site.ServerCpu();
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(sockets.Select((socket, s) => SendAsync(socket, s, options with { Rate = 0 })));
        var expected = options.Clients * options.Messages;
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (acknowledged.Sum() < expected && Stopwatch.GetTimestamp() < deadline) await Task.Delay(10);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        stop.Cancel();
        await Task.WhenAll(receivers);

        var stored = await site.CountStoredMessagesAsync();
        if (acknowledged.Sum() < expected) LogServerTail(site, log, $"{expected - acknowledged.Sum()} messages were not acknowledged within 60 s");
        var durable = acknowledged.Sum() / seconds;
        result.Add("messages durable and acknowledged", durable, "/s");
        result.Add("acknowledged", acknowledged.Sum(), "messages");
        result.Add("stored in the database", stored, "messages");
        result.Add("server CPU", serverCpu.Cores(), "cores");
        await CloseAllAsync(sockets);

        if (options.Database != "sqlite")
        {
            result.Notes.Add("the bare insert loop runs on SQLite only: no calibration for PostgreSQL");
            return;
        }
        log.WriteLine($"calibration: the same {expected} inserts in a bare loop on a copy of the site's database");
        var loop = await PersistCalibration.RunAsync(site.Instances[0].DatabasePath, expected);
        result.Add("bare loop with search triggers", loop.WithTriggers, "/s");
        result.Add("bare loop without search triggers", loop.WithoutTriggers, "/s");
        result.Add("bare loop batch", loop.Batch, "messages");
        result.AddRatio("messages/s durable, site ÷ bare loop with search triggers", durable, loop.WithTriggers, "≥ 0.5");
        result.AddRatio("messages/s durable, site ÷ bare loop without search triggers", durable, loop.WithoutTriggers, "—");
    }

    /// <summary>When a run falls short, what the site printed last (warnings and errors: logging is reduced to those).</summary>
    private static void LogServerTail(Deployment site, TextWriter log, string why)
    {
        log.WriteLine($"{why}; the site's last words:");
        foreach (var instance in site.Instances)
        {
            foreach (var line in instance.Output.Split('\n').TakeLast(40)) log.WriteLine($"  | {line.TrimEnd()}");
        }
    }

    /// <summary>Room pages with 50 messages of history, rendered for one signed-in user, <c>Concurrency</c> at a time.</summary>
    private static async Task PageAsync(Deployment site, List<BenchUser> users, BenchOptions options, BenchResult result, TextWriter log)
    {
        var slug = await users[0].CreateRoomAsync("page");
        using (var writer = await BenchUser.ConnectAsync(users[0].Site, slug, await users[0].MintTokenAsync(slug), CancellationToken.None))
        {
            await SendAsync(writer, 0, options with { Messages = 50, Rate = 0 });
            var received = 0;
            using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await ReceiveLoopAsync(writer, frame =>
            {
                if (BenchMessage.TryParse(frame, out _) && ++received == 50) enough.Cancel();
            }, enough.Token);
        }

        var path = options.Path ?? $"/rooms/{slug}";
        var pages = await RequestForAsync(users[0].Http, path, options, site, result, log);
        result.Add("renders", pages.PerSecond, "/s");
        result.Add("render p50", pages.P50, "ms");
        result.Add("render p99", pages.P99, "ms");
        result.Add("failed requests", pages.Failures, "requests");
        result.Add("server CPU", pages.ServerCores, "cores");
        // The calibration: the cheapest request through the same middleware, same client and cookies, same run.
        var health = await RequestForAsync(users[0].Http, "/healthz", options, site, result, log);
        result.Add("/healthz requests", health.PerSecond, "/s");
        result.Add("/healthz p50", health.P50, "ms");
        result.Add("/healthz p99", health.P99, "ms");
        result.Add("failed /healthz requests", health.Failures, "requests");
        result.Add("server CPU during /healthz", health.ServerCores, "cores");
        result.AddRatio(options.Path is null ? "room page renders/s ÷ /healthz requests/s" : $"{path} requests/s ÷ /healthz requests/s", pages.PerSecond, health.PerSecond, "≥ 0.4");
    }

    private sealed record RequestRate(double PerSecond, double P50, double P99, int Failures, double ServerCores);

    /// <summary><c>Concurrency</c> clients requesting <paramref name="path"/> for <c>Seconds</c>.</summary>
    private static async Task<RequestRate> RequestForAsync(HttpClient http, string path, BenchOptions options, Deployment site, BenchResult result, TextWriter log)
    {
        log.WriteLine($"requesting {path} from {options.Concurrency} clients for {options.Seconds} s");
        var latency = new Latencies();
        var failures = 0;
        var serverCpu = site.ServerCpu();
        var generator = new CpuMeter(Process.GetCurrentProcess());
        var end = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * options.Seconds);
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var requestStart = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
                if (response.IsSuccessStatusCode) latency.AddElapsed(requestStart);
                else Interlocked.Increment(ref failures);
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var rate = new RequestRate(latency.Count / seconds, latency.Percentile(50), latency.Percentile(99), failures, serverCpu.Cores());
        if (!result.Has("load generator CPU")) NoteLoadGenerator(result, generator);
        return rate;
    }

    /// <summary>
    /// Messages "bench {sender} {n} {timestamp}", at <c>Rate</c> per second or flat out. The timestamp is taken
    /// immediately before the SendAsync that writes the message, so latency counts from when it was actually sent: a
    /// sender that falls behind its schedule (the server not reading it) sends the next message at once, and that
    /// message's latency counts from then, not from when the schedule said.
    /// </summary>
    private static async Task SendAsync(ClientWebSocket socket, int sender, BenchOptions options)
    {
        var frame = new byte[64];
        var start = Stopwatch.GetTimestamp();
        for (var n = 0; n < options.Messages; n++)
        {
            if (options.Rate > 0)
            {
                var due = TimeSpan.FromSeconds(n / options.Rate) - Stopwatch.GetElapsedTime(start);
                if (due > TimeSpan.Zero) await Task.Delay(due);
            }
            var length = BenchMessage.Write(frame, sender, n, Stopwatch.GetTimestamp());
            await socket.SendAsync(frame.AsMemory(0, length), WebSocketMessageType.Text, true, CancellationToken.None);
        }
    }

    /// <summary>Counts what <paramref name="member"/> receives, and the close code if the server closes its socket.</summary>
    internal static async Task ReceiveLoopAsync(ClientWebSocket socket, FanoutMember member, CancellationToken stop) =>
        member.ClosedByServer = await ReceiveLoopAsync(socket, member.Take, stop);

    /// <summary>
    /// Hands each whole frame, as the UTF-8 bytes received, to <paramref name="onFrame"/> (no string per frame). Returns
    /// the close code when the server closed the socket (1006 when it dropped the connection without a close frame,
    /// RFC 6455 §7.1.5), null when stopped by <paramref name="stop"/>.
    /// </summary>
    internal static async Task<int?> ReceiveLoopAsync(ClientWebSocket socket, Action<ReadOnlySpan<byte>> onFrame, CancellationToken stop)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), stop);
                if (received.MessageType == WebSocketMessageType.Close) return (int?)socket.CloseStatus ?? (int)WebSocketCloseStatus.Empty;
                message.Write(buffer.AsSpan(0, received.Count));
                if (!received.EndOfMessage) continue;
                onFrame(message.WrittenSpan);
                message.ResetWrittenCount();
            }
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (WebSocketException)
        {
            return stop.IsCancellationRequested ? null : 1006;
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

    private static void NoteLoadGenerator(BenchResult result, CpuMeter generator, IReadOnlyList<double>? receiverProcessCores = null)
    {
        double[] cores = [generator.Cores(), .. receiverProcessCores ?? []];
        result.Add("load generator CPU", cores.Sum(), "cores");
        if (cores.Length > 1) result.Add("busiest generator process", cores.Max(), "cores");
        if (cores.Max() > 0.9)
        {
            result.Notes.Add($"a load generator process used {cores.Max():0.00} cores (over 90% of a core): it may be what limits these " +
                "figures; try --processes");
        }
        // Pinned, every generator process shares the CPUs this one may use.
        var available = OperatingSystem.IsLinux() ? BitOperations.PopCount((ulong)Process.GetCurrentProcess().ProcessorAffinity) : Environment.ProcessorCount;
        if (cores.Sum() > 0.9 * available)
        {
            result.Notes.Add($"the load generator used {cores.Sum():0.00} of its {available} CPUs: it may be what limits these figures");
        }
    }
}
