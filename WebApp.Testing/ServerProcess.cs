using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace WebApp.Testing;

/// <summary>A server run as a child of the test host (never daemonized, so it can be killed), keeping its last output for error messages.</summary>
public sealed class ServerProcess
{
    private const int KeptOutputLines = 50;

    // Generous: the machine's two cores are shared with a browser, the site and sometimes a benchmark.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _recentOutput = new();
    private readonly ConcurrentQueue<string> _watchedLines = new();
    private string? _watched;
    private bool _stopped;

    public ServerProcess(ProcessStartInfo startInfo)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        _process = new Process { StartInfo = startInfo };
        _process.OutputDataReceived += (_, line) => Keep(line.Data);
        _process.ErrorDataReceived += (_, line) => Keep(line.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // A run cut short (Ctrl+C, a crashed test) must not leave servers holding ports and shared memory.
        AppDomain.CurrentDomain.ProcessExit += KillOnTestHostExit;
    }

    public string RecentOutput => string.Join('\n', _recentOutput);

    /// <summary>From now on, keeps every output line that contains <paramref name="fragment"/> (ordinal), however many lines pass.</summary>
    public void Watch(string fragment) => _watched = fragment;

    /// <summary>The lines kept by <see cref="Watch"/>.</summary>
    public IReadOnlyCollection<string> WatchedLines => _watchedLines;

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<bool> AcceptsTcpAsync(int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Polls <paramref name="isReady"/>; if the server exits or never gets ready, stops it and throws with its output.</summary>
    public async Task WaitUntilReadyAsync(Func<Task<bool>> isReady, string serverName)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await isReady())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                var failure = _process.HasExited ? $"exited with code {_process.ExitCode}" : $"was not ready after {StartTimeout.TotalSeconds} s";
                await StopAsync();
                throw new InvalidOperationException($"{serverName} {failure}. Its last output:\n{RecentOutput}");
            }
            await Task.Delay(50);
        }
    }

    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        AppDomain.CurrentDomain.ProcessExit -= KillOnTestHostExit;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        if (_watched is { } fragment && line.Contains(fragment, StringComparison.Ordinal)) _watchedLines.Enqueue(line);
        _recentOutput.Enqueue(line);
        while (_recentOutput.Count > KeptOutputLines) _recentOutput.TryDequeue(out _);
    }

    private void KillOnTestHostExit(object? sender, EventArgs e)
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }
}
