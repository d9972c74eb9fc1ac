using System.Net.WebSockets;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.ScaleOut;

/// <summary>
/// What an orchestrator's normal stop (SIGTERM) does to the built site in each way it is deployed: the process exits
/// 0 without an unhandled exception, open sockets are closed with 1001 "going away", and every message the sender
/// saw acknowledged is in the database when the site comes back.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class GracefulStopTests(ScaleOutServers servers)
{
    private const int AcknowledgedFirst = 5, InFlightAtStop = 10;

    public static TheoryData<string> Deployments => ["SQLite", "PostgreSQL", "PostgreSQL+Redis"];

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task Sigterm_exits_0_closes_sockets_with_1001_and_keeps_every_acknowledged_message(string deployment)
    {
        await using var site = new SiteProcess(Settings(deployment));
        await site.StartAsync();
        using var alice = new SiteClient(site.BaseAddress);
        var slug = await alice.SignUpWithRoomAsync($"Stopping on {deployment}");
        using var socket = await alice.ConnectAsync(slug);

        var acknowledged = new List<string>();
        for (var i = 0; i < AcknowledgedFirst; i++)
        {
            await socket.SendMessageAsync(Text(i));
            Assert.Contains(Text(i), await socket.ReceiveTextAsync());
            acknowledged.Add(Text(i));
        }
        // Still on their way (or being stored) when the signal arrives: each is either acknowledged or not, never lost once acknowledged.
        for (var i = AcknowledgedFirst; i < AcknowledgedFirst + InFlightAtStop; i++) await socket.SendMessageAsync(Text(i));
        var stopping = site.StopGracefullyAsync();
        var (lateAcknowledged, close) = await ReadUntilCloseAsync(socket);
        acknowledged.AddRange(lateAcknowledged);
        var exitCode = await stopping;

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{site.Output}");
        Assert.DoesNotContain("Unhandled exception", site.Output);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, close);

        // Back on the same database: the room's history holds every acknowledged message.
        await site.StartAsync();
        var history = await alice.Http.GetStringAsync($"/rooms/{slug}");
        Assert.All(acknowledged, text => Assert.Contains(text, history));
        await site.StopGracefullyAsync();
    }

    private Dictionary<string, string> Settings(string deployment)
    {
        var settings = new Dictionary<string, string>
        {
            ["Chat:RateLimit:Burst"] = "100",
            ["Chat:CloseTimeout"] = "00:00:02",
        };
        if (deployment.StartsWith("PostgreSQL", StringComparison.Ordinal))
        {
            settings["Database:Provider"] = "Postgres";
            settings["ConnectionStrings:Postgres"] = servers.Postgres.ConnectionString($"chat_{Guid.NewGuid():N}");
        }
        if (deployment.EndsWith("+Redis", StringComparison.Ordinal))
        {
            settings["ConnectionStrings:Redis"] = $"{servers.Redis.ConnectionString},channelPrefix={Guid.NewGuid():N}:";
        }
        return settings;
    }

    private static string Text(int i) => $"stop message {i:00}";

    /// <summary>Every message acknowledged to the sender until the server closes, then the close status (answered, as a browser does).</summary>
    private static async Task<(List<string> Acknowledged, WebSocketCloseStatus? Close)> ReadUntilCloseAsync(WebSocket socket)
    {
        var acknowledged = new List<string>();
        while (true)
        {
            var (text, close) = await socket.ReceiveAsync(timeoutSeconds: 30);
            if (text is null)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
                return (acknowledged, close);
            }
            if (SocketExtensions.SeqOf(text) is not null)
            {
                acknowledged.AddRange(Enumerable.Range(0, AcknowledgedFirst + InFlightAtStop).Select(Text).Where(text.Contains));
            }
        }
    }
}
