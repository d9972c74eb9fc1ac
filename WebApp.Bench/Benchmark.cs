using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace WebApp.Bench;

/// <summary>
/// Starts the site as its own process with a fresh database, signs users up through its forms, mints tokens with
/// its page handler, and drives it with real WebSocket and HTTP clients; every figure is measured here.
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

    public static async Task<BenchResult> RunAsync(BenchOptions options, TextWriter log)
    {
        await using var site = await Deployment.StartAsync(options, SiteSettings, log);
        var result = new BenchResult(options) { Deployment = site.Description };
        var users = await RegisterUsersAsync(site, Math.Max(options.Instances, Math.Min(options.Users, options.Clients)), log);
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

    /// <summary>Users take turns over the instances; each mints its tokens and opens its sockets on its own.</summary>
    private static async Task<List<BenchUser>> RegisterUsersAsync(Deployment site, int count, TextWriter log)
    {
        log.WriteLine($"registering {count} users through the sign-up form");
        var users = Enumerable.Range(0, count).Select(i => new BenchUser(site.AddressFor(i))).ToList();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (user, _) => await user.RegisterAsync());
        return users;
    }

    /// <summary>Tokens from the page handler (timed), then upgrades with them (timed), <c>Concurrency</c> at a time.</summary>
    private static async Task<List<ClientWebSocket>> OpenSocketsAsync(
        Deployment site, List<BenchUser> users, string slug, int count, int concurrency, BenchResult? result, TextWriter log)
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
        var serverCpu = site.ServerCpu();
        var upgradeStart = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, cancellationToken) =>
        {
            var start = Stopwatch.GetTimestamp();
            sockets[i] = await BenchUser.ConnectAsync(users[i % users.Count].Site, slug, tokens[i], cancellationToken);
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

    private static async Task ConnectAsync(Deployment site, List<BenchUser> users, BenchOptions options, BenchResult result, TextWriter log)
    {
        var slug = await users[0].CreateRoomAsync("connect");
        var generator = new CpuMeter(Process.GetCurrentProcess());
        var sockets = await OpenSocketsAsync(site, users, slug, options.Clients, options.Concurrency, result, log);
        NoteLoadGenerator(result, generator);
        await CloseAllAsync(sockets);
    }

    /// <summary>
    /// One room: the first S sockets send, every socket counts what it receives. With <c>--processes P</c> the members
    /// other than the senders are dealt out over P processes (this one and P-1 children), so receiving scales out too.
    /// </summary>
    private static async Task FanoutAsync(Deployment site, List<BenchUser> users, BenchOptions options, BenchResult result, TextWriter log)
    {
        var slug = await users[0].CreateRoomAsync("fanout");
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
                foreach (var i in share) sockets.Add((users[i % users.Count].Site, await users[i % users.Count].MintTokenAsync(slug)));
                children.Add(ReceiverProcess.Start(sockets, slug, options));
            }
            if (children.Count > 0) log.WriteLine($"{children.Count} receiver processes hold {elsewhere.Sum(g => g.Count())} of the members");
            await Task.WhenAll(children.Select(c => c.Ready));
            await FanoutWithReceiversAsync(site, users, slug, options.Clients - elsewhere.Sum(g => g.Count()), children, options, result, log);
        }
        finally
        {
            foreach (var child in children) await child.DisposeAsync();
        }
    }

    private static async Task FanoutWithReceiversAsync(Deployment site, List<BenchUser> users, string slug, int localCount,
        List<ReceiverProcess> children, BenchOptions options, BenchResult result, TextWriter log)
    {
        var sockets = await OpenSocketsAsync(site, users, slug, localCount, options.Concurrency, null, log);
        var expectedPerMember = options.Senders * options.Messages;
        var members = sockets.Select(_ => new FanoutMember(options.Senders, options.Messages)).ToArray();
        using var stop = new CancellationTokenSource();
        var receivers = sockets.Select((socket, i) => ReceiveLoopAsync(socket, frame => members[i].Take(frame), stop.Token)).ToList();

        log.WriteLine($"{options.Senders} senders send {options.Messages} messages each to {options.Clients} members");
        var generator = new CpuMeter(Process.GetCurrentProcess());
        var serverCpu = site.ServerCpu();
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, options.Senders).Select(s => SendAsync(sockets[s], s, options)));
        var sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        await UntilAllReceivedOrQuietAsync(members, expectedPerMember, waitForFirst: false);
        var reports = await Task.WhenAll(children.Select(c => c.Report));
        var lastDelivery = Math.Max(members.Max(m => m.LastAt), reports.Length == 0 ? 0 : reports.Max(r => r.LastAt));
        var seconds = Stopwatch.GetElapsedTime(start, lastDelivery == 0 ? Stopwatch.GetTimestamp() : lastDelivery).TotalSeconds;
        var serverCores = serverCpu.Cores();
        NoteLoadGenerator(result, generator, reports.Select(r => r.CpuSeconds / seconds).ToList());
        stop.Cancel();

        var latency = new Latencies();
        foreach (var member in members) foreach (var sample in member.Latencies) latency.Add(sample);
        foreach (var report in reports) foreach (var sample in ReceiverProcess.ReadLatencies(report.LatencyFile)) latency.Add(sample);
        var delivered = members.Sum(m => (long)m.Received) + reports.Sum(r => r.Received);
        var unique = members.Sum(m => (long)m.Unique) + reports.Sum(r => r.Unique);
        var memberCount = members.Length + reports.Sum(r => r.Members);
        result.Add("messages sent", options.Senders * options.Messages / sendSeconds, "/s");
        result.Add("deliveries", delivered / seconds, "/s");
        result.Add("latency p50", latency.Percentile(50), "ms");
        result.Add("latency p99", latency.Percentile(99), "ms");
        result.Add("latency max", latency.Max, "ms");
        result.Add("lost", (long)memberCount * expectedPerMember - unique, "deliveries");
        result.Add("duplicated", delivered - unique, "deliveries");
        result.Add("server CPU", serverCores, "cores");
        foreach (var report in reports) File.Delete(report.LatencyFile);
        await Task.WhenAll(receivers);
        await CloseAllAsync(sockets);
    }

    /// <summary>Until every member has everything, or nothing more arrived for five seconds (after the first, if asked).</summary>
    internal static async Task UntilAllReceivedOrQuietAsync(FanoutMember[] members, int expectedPerMember, bool waitForFirst)
    {
        long lastTotal = waitForFirst ? 0 : -1;
        var quietSince = Stopwatch.GetTimestamp();
        var giveUpAt = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 600;
        while (members.Any(m => m.Received < expectedPerMember) && Stopwatch.GetTimestamp() < giveUpAt)
        {
            await Task.Delay(50);
            var total = members.Sum(m => (long)m.Received);
            if (total != lastTotal) (lastTotal, quietSince) = (total, Stopwatch.GetTimestamp());
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
        var sockets = await OpenSocketsAsync(site, users, slug, options.Clients, options.Concurrency, null, log);
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
        result.Add("messages durable and acknowledged", acknowledged.Sum() / seconds, "/s");
        result.Add("acknowledged", acknowledged.Sum(), "messages");
        result.Add("stored in the database", stored, "messages");
        result.Add("server CPU", serverCpu.Cores(), "cores");
        await CloseAllAsync(sockets);
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
                using var response = await users[0].Http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
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
            var frame = Encoding.UTF8.GetBytes($"{{\"text\":\"{BenchMessage.Text(sender, n, Stopwatch.GetTimestamp())}\"}}");
            await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
        }
    }

    /// <summary>Hands each whole frame, as the UTF-8 bytes received, to <paramref name="onFrame"/> (no string per frame).</summary>
    internal static async Task ReceiveLoopAsync(ClientWebSocket socket, Action<ReadOnlySpan<byte>> onFrame, CancellationToken stop)
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
                onFrame(message.WrittenSpan);
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
    }
}
