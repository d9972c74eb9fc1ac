using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace WebApp.Testing;

/// <summary>
/// A real redis-server on a free loopback port, with no persistence. <see cref="StopAsync"/> kills it like a crash;
/// <see cref="StartAsync"/> brings it back, empty, on the same port, so clients holding the connection string reconnect.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private static readonly byte[] Ping = "PING\r\n"u8.ToArray();
    private static readonly byte[] Pong = "+PONG\r\n"u8.ToArray();

    private ServerProcess? _process;

    public int Port { get; } = ServerProcess.FreeLoopbackPort();

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    public async Task StartAsync()
    {
        if (_process is not null) throw new InvalidOperationException($"redis-server is already running on port {Port}.");
        if (!File.Exists(Executable)) await HostCommands.InstallDebianPackageAsync("redis-server", () => File.Exists(Executable));

        var process = new ServerProcess(new ProcessStartInfo(Executable,
            ["--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--port", Port.ToString()])
        {
            WorkingDirectory = Path.GetTempPath(),
        });
        await process.WaitUntilReadyAsync(AnswersPingAsync, $"redis-server on port {Port}");
        _process = process;
    }

    public async Task StopAsync()
    {
        if (_process is null) return;
        await _process.StopAsync();
        _process = null;
    }

    /// <summary>Whether a PING over a plain TCP connection gets +PONG back within two seconds.</summary>
    public async Task<bool> AnswersPingAsync()
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Ping, timeout.Token);
            // Anything else of that length (say "-LOADING") means not ready yet.
            var reply = new byte[Pong.Length];
            await stream.ReadExactlyAsync(reply, timeout.Token);
            return reply.AsSpan().SequenceEqual(Pong);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
