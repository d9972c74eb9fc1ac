using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;

namespace WebApp.Bench;

/// <summary>
/// Fanout members held by other processes, so receiving (parsing every delivery) is not limited to what one load
/// generator process can do: the parent mints their tokens, each child opens its share of sockets, says "ready",
/// counts what arrives, and reports once every member has everything or nothing arrived for five seconds.
/// </summary>
public sealed class ReceiverProcess : IAsyncDisposable
{
    public const string Mode = "fanout-receivers";

    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ReceiverReport> _report = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="Closed">Sockets closed by the server, by close code.</param>
    public sealed record ReceiverReport(int Members, long Received, long Unique, long LastAt, double CpuSeconds, string LatencyFile,
        Dictionary<int, int> Closed);

    private ReceiverProcess(string socketsFile, string slug, BenchOptions options, string? cores)
    {
        var start = CorePinning.Command(cores, "dotnet", [Path.Combine(AppContext.BaseDirectory, "WebApp.Bench.dll"), Mode, socketsFile, slug,
            options.Senders.ToString(), options.Messages.ToString()]);
        start.RedirectStandardOutput = true;
        start.UseShellExecute = false;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, line) =>
        {
            if (line.Data == "ready") _ready.TrySetResult();
            else if (line.Data?.StartsWith('{') == true) _report.TrySetResult(JsonSerializer.Deserialize<ReceiverReport>(line.Data)!);
        };
        _process.Exited += (_, _) =>
        {
            // Exited can be raised before the last output line is handled; this waits for the output to end.
            _process.WaitForExit();
            _ready.TrySetException(new InvalidOperationException("a receiver process exited early"));
            _report.TrySetException(new InvalidOperationException("a receiver process exited without a report"));
        };
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
    }

    public Process Process => _process;
    public Task Ready => _ready.Task;
    public Task<ReceiverReport> Report => _report.Task;

    /// <summary>Starts a child for these (instance, token) pairs, on <paramref name="cores"/> (all when null).</summary>
    public static ReceiverProcess Start(IEnumerable<(Uri Site, string Token)> sockets, string slug, BenchOptions options, string? cores)
    {
        var file = Path.GetTempFileName();
        File.WriteAllLines(file, sockets.Select(s => $"{s.Site}\t{s.Token}"));
        return new ReceiverProcess(file, slug, options, cores);
    }

    /// <summary>The child's side: <c>fanout-receivers &lt;sockets file&gt; &lt;slug&gt; &lt;senders&gt; &lt;messages&gt;</c>.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var (file, slug, senders, messages) = (args[1], args[2], int.Parse(args[3]), int.Parse(args[4]));
        var lines = File.ReadAllLines(file).Select(line => line.Split('\t')).ToList();
        var sockets = new ClientWebSocket[lines.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, lines.Count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, token) =>
            sockets[i] = await BenchUser.ConnectAsync(new Uri(lines[i][0]), slug, lines[i][1], token));
        var members = sockets.Select(_ => new FanoutMember(senders, messages)).ToArray();
        using var stop = new CancellationTokenSource();
        var receivers = sockets.Select((socket, i) => Benchmark.ReceiveLoopAsync(socket, members[i], stop.Token)).ToList();
        Console.WriteLine("ready");
        var cpuAtReady = Process.GetCurrentProcess().TotalProcessorTime;

        await Benchmark.UntilAllReceivedOrQuietAsync(members, senders * messages, waitForFirst: true);
        stop.Cancel();
        await Task.WhenAll(receivers);
        var latencyFile = Path.GetTempFileName();
        await using (var writer = new BinaryWriter(File.Create(latencyFile)))
        {
            foreach (var sample in members.SelectMany(m => m.Latencies)) writer.Write(sample);
        }
        Console.WriteLine(JsonSerializer.Serialize(new ReceiverReport(members.Length, members.Sum(m => (long)m.Received),
            members.Sum(m => (long)m.Unique), members.Max(m => m.LastAt), (Process.GetCurrentProcess().TotalProcessorTime - cpuAtReady).TotalSeconds, latencyFile,
            FanoutMember.Closes(members))));
        foreach (var socket in sockets) socket.Abort();
        File.Delete(file);
        return 0;
    }

    public static IEnumerable<double> ReadLatencies(string file)
    {
        using var reader = new BinaryReader(File.OpenRead(file));
        while (reader.BaseStream.Position < reader.BaseStream.Length) yield return reader.ReadDouble();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
