using System.Diagnostics;

namespace WebApp.Bench;

/// <summary>What one fanout member received: each (sender, n) at most once, and how late.</summary>
public sealed class FanoutMember(int senders, int messages)
{
    private readonly bool[] _seen = new bool[senders * messages];
    public List<double> Latencies { get; } = [];
    public int Received { get; private set; }
    public int Unique { get; private set; }
    public long LastAt { get; private set; }

    public void Take(ReadOnlySpan<byte> frame)
    {
        if (!BenchMessage.TryParse(frame, out var message)) return;
        var now = Stopwatch.GetTimestamp();
        var index = message.Sender * messages + message.N;
        Latencies.Add(Stopwatch.GetElapsedTime(message.SentAt, now).TotalMilliseconds);
        Received++;
        if (!_seen[index]) (_seen[index], Unique) = (true, Unique + 1);
        LastAt = now;
    }
}
