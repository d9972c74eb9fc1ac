using System.Diagnostics;

namespace WebApp.Bench;

/// <summary>What one fanout member received: each (sender, n) at most once, how late, and who closed it.</summary>
public sealed class FanoutMember(int senders, int messages)
{
    private readonly bool[] _seen = new bool[senders * messages];
    public List<double> Latencies { get; } = [];
    public int Received { get; private set; }
    public int Unique { get; private set; }
    public long LastAt { get; private set; }

    /// <summary>The first delivered frame's bytes besides its text (what the bare peer pads its frames to).</summary>
    public int FrameOverhead { get; private set; }

    /// <summary>The close code when the server closed the socket (1006 when it dropped the connection without one).</summary>
    public int? ClosedByServer { get; set; }

    /// <summary>Counts a frame; latency runs from the sender's timestamp, taken just before its SendAsync, to now.</summary>
    public void Take(ReadOnlySpan<byte> frame)
    {
        if (!BenchMessage.TryParse(frame, out var message)) return;
        var now = Stopwatch.GetTimestamp();
        var index = message.Sender * messages + message.N;
        Latencies.Add(Stopwatch.GetElapsedTime(message.SentAt, now).TotalMilliseconds);
        Received++;
        if (FrameOverhead == 0) FrameOverhead = frame.Length - message.TextBytes;
        if (!_seen[index]) (_seen[index], Unique) = (true, Unique + 1);
        LastAt = now;
    }

    /// <summary>Sockets closed by the server, by close code.</summary>
    public static Dictionary<int, int> Closes(IEnumerable<FanoutMember> members) =>
        members.Where(m => m.ClosedByServer is not null).GroupBy(m => m.ClosedByServer!.Value).ToDictionary(g => g.Key, g => g.Count());
}
