using System.Diagnostics;

namespace WebApp.Bench;

/// <summary>Latency samples in milliseconds, summarised as percentiles.</summary>
public sealed class Latencies
{
    private readonly List<double> _samples = [];

    public int Count
    {
        get { lock (_samples) return _samples.Count; }
    }

    public void Add(double milliseconds)
    {
        lock (_samples) _samples.Add(milliseconds);
    }

    public void AddElapsed(long startTimestamp) => Add(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);

    public double Percentile(double p)
    {
        lock (_samples)
        {
            if (_samples.Count == 0) return double.NaN;
            _samples.Sort();
            var index = (int)Math.Ceiling(p / 100 * _samples.Count) - 1;
            return _samples[Math.Clamp(index, 0, _samples.Count - 1)];
        }
    }

    public double Max => Percentile(100);
}

/// <summary>CPU used by processes (together) over a stretch of wall-clock time, in cores.</summary>
public sealed class CpuMeter(params Process[] processes)
{
    private readonly TimeSpan _cpuAtStart = Total(processes);
    private readonly long _start = Stopwatch.GetTimestamp();

    public double Cores() => Used() / Stopwatch.GetElapsedTime(_start);

    /// <summary>CPU time used since this meter started (Linux counts it in 10 ms ticks: short runs read coarsely).</summary>
    public TimeSpan Used() => Total(processes) - _cpuAtStart;

    private static TimeSpan Total(Process[] processes)
    {
        var total = TimeSpan.Zero;
        foreach (var process in processes)
        {
            process.Refresh();
            total += process.TotalProcessorTime;
        }
        return total;
    }
}

public static class ProcessMemory
{
    /// <summary>Resident set size from /proc, in bytes.</summary>
    public static long ResidentBytes(Process process)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }
        throw new InvalidOperationException("VmRSS not found");
    }
}
