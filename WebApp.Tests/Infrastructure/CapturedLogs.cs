using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace WebApp.Tests.Infrastructure;

/// <summary>Every log line the server writes at <paramref name="minimumLevel"/> or above, formatted, so tests can check what reaches the logs.</summary>
public sealed class CapturedLogs(LogLevel minimumLevel = LogLevel.Debug) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public string All => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines, minimumLevel);

    public void Dispose() { }

    /// <summary>
    /// Fails when the secret, or any <paramref name="sliceLength"/>-character slice of it, as sent or percent-encoded,
    /// is in any line; the failure names the line up to the slice, never the secret.
    /// </summary>
    public void AssertNeverLogged(string secret, int sliceLength = 20)
    {
        var all = All;
        foreach (var form in new[] { secret, Uri.EscapeDataString(secret) }.Distinct())
        {
            var length = Math.Min(sliceLength, form.Length);
            for (var start = 0; start + length <= form.Length; start++)
            {
                var slice = form.Substring(start, length);
                if (!all.Contains(slice, StringComparison.Ordinal)) continue;
                var line = _lines.First(l => l.Contains(slice, StringComparison.Ordinal));
                var at = line.IndexOf(slice, StringComparison.Ordinal);
                Assert.Fail($"characters {start}-{start + length} of a {form.Length}-character secret are logged, in: {line[..Math.Min(at, 200)]}");
            }
        }
    }

    /// <summary>The HTTP log line of the request tagged <c>trace=marker</c>, once written (at the end of the request; 10 s at most).</summary>
    public async Task<string> RequestLineAsync(string marker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (_lines.FirstOrDefault(line => line.Contains(marker) && line.Contains("StatusCode")) is { } found) return found;
            Assert.True(DateTime.UtcNow < deadline, $"no request log line for trace={marker}");
            await Task.Delay(20);
        }
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines, LogLevel minimumLevel) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
