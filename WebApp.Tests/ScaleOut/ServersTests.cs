using System.Net;
using System.Net.Sockets;
using System.Text;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.ScaleOut;

[Collection(ScaleOutCollection.Name)]
public sealed class ServersTests(ScaleOutServers servers)
{
    [Fact]
    public async Task Redis_goes_away_when_stopped_and_comes_back_empty_on_the_same_port()
    {
        var redis = servers.Redis;
        var port = redis.Port;
        Assert.Equal("+PONG", await SendToRedisAsync(port, "PING"));
        Assert.Equal("+OK", await SendToRedisAsync(port, "SET greeting hello"));

        await redis.StopAsync();
        Assert.False(await redis.AnswersPingAsync());
        await Assert.ThrowsAsync<SocketException>(() => SendToRedisAsync(port, "PING"));

        await redis.StartAsync();
        Assert.Equal(port, redis.Port);
        Assert.Equal($"127.0.0.1:{port},abortConnect=false", redis.ConnectionString);
        Assert.Equal("+PONG", await SendToRedisAsync(port, "PING"));
        // Nothing persisted: a restart is a fresh server, as after a crash.
        Assert.Equal("$-1", await SendToRedisAsync(port, "GET greeting"));
    }

    [Fact]
    public async Task Postgres_accepts_connections_on_its_own_port_with_durability_off()
    {
        var postgres = servers.Postgres;
        using (var client = new TcpClient())
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await client.ConnectAsync(IPAddress.Loopback, postgres.Port, timeout.Token);
        }

        Assert.True(await postgres.IsReadyAsync());
        Assert.Equal("1", await postgres.RunSqlAsync("select 1"));
        Assert.Equal("off", await postgres.RunSqlAsync("show fsync"));
        Assert.Equal("UTF8", await postgres.RunSqlAsync("show server_encoding"));
        Assert.Equal($"Host=127.0.0.1;Port={postgres.Port};Username=postgres;Database=chat", postgres.ConnectionString("chat"));
    }

    /// <summary>One inline command over a plain socket; the first line of the reply.</summary>
    private static async Task<string> SendToRedisAsync(int port, string command)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException($"redis closed the connection after {command}");
    }
}
