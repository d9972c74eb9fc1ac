using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// One real redis-server and one real PostgreSQL, each on its own loopback port, shared by the scale-out tests.
/// Tests may stop and restart <see cref="Redis"/>; it comes back on the same port.
/// </summary>
public sealed class ScaleOutServers : IAsyncLifetime
{
    public RedisServer Redis { get; } = new();
    public PostgresServer Postgres { get; } = new();

    public Task InitializeAsync() => Task.WhenAll(Redis.StartAsync(), Postgres.StartAsync());

    // xunit disposes a fixture whose InitializeAsync failed too, so both servers tolerate never having started.
    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ScaleOutCollection : ICollectionFixture<ScaleOutServers>
{
    public const string Name = "scale out";
}

/// <summary>A server run as a child of the test host (never daemonized, so it can be killed), keeping its last output for error messages.</summary>
internal sealed class ServerProcess
{
    private const int KeptOutputLines = 50;

    // Generous: the machine's two cores are shared with a browser, the site and sometimes a benchmark.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _recentOutput = new();
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
        _recentOutput.Enqueue(line);
        while (_recentOutput.Count > KeptOutputLines) _recentOutput.TryDequeue(out _);
    }

    private void KillOnTestHostExit(object? sender, EventArgs e)
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }
}

internal sealed record CommandResult(int ExitCode, string Output, string Errors);

/// <summary>Short commands the servers need: setting up, probing and stopping them, and installing them when absent.</summary>
internal static class HostCommands
{
    // apt-get holds a lock: the two servers starting side by side on a fresh machine install one after the other.
    private static readonly SemaphoreSlim AptGet = new(1, 1);

    public static async Task<CommandResult> RunAsync(ProcessStartInfo startInfo)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new(process.ExitCode, await output, errors);
    }

    public static async Task<string> RunOrThrowAsync(ProcessStartInfo startInfo)
    {
        var result = await RunAsync(startInfo);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{startInfo.FileName} {string.Join(' ', startInfo.ArgumentList)} failed with code {result.ExitCode}:\n{result.Errors}{result.Output}");
        }
        return result.Output;
    }

    /// <summary>
    /// Like the Chromium the browser tests need: on a fresh Debian machine (where tests run as root) the test command
    /// installs the servers it needs, so `dotnet test WebApp.sln` alone is enough.
    /// </summary>
    public static async Task InstallDebianPackageAsync(string package, Func<bool> isInstalled)
    {
        await AptGet.WaitAsync();
        try
        {
            if (isInstalled()) return;
            var help = $"{package} is not installed. Install Debian's {package} (apt-get install -y {package}) or run the tests as root on Debian.";
            if (!File.Exists("/usr/bin/apt-get") || Environment.UserName != "root") throw new InvalidOperationException(help);

            string[][] steps = [["update", "-qq"], ["install", "-y", "-qq", package]];
            foreach (var arguments in steps)
            {
                var startInfo = new ProcessStartInfo("apt-get", arguments);
                startInfo.Environment["DEBIAN_FRONTEND"] = "noninteractive";
                var result = await RunAsync(startInfo);
                if (result.ExitCode != 0) throw new InvalidOperationException($"{help}\napt-get {string.Join(' ', arguments)} failed: {result.Errors}{result.Output}");
            }
            if (!isInstalled()) throw new InvalidOperationException(help);
        }
        finally
        {
            AptGet.Release();
        }
    }
}
