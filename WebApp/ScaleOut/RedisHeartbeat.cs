using StackExchange.Redis;

namespace WebApp.ScaleOut;

/// <summary>
/// Keeps this instance's heartbeat key alive in Redis every <see cref="Every"/> (it expires three beats later), so
/// the other instances count its people as online; on a graceful stop the key is removed at once.
/// </summary>
public sealed class RedisHeartbeat(RedisPresenceStore presence, TimeProvider clock, ILogger<RedisHeartbeat> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, clock);
        try
        {
            do
            {
                try
                {
                    await presence.BeatAsync();
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    // A timeout is no RedisException: both only mean Redis is away. The event bus's ConnectionFailed
                    // handler logged it; the next beat tries again, and the reconnection beats at once.
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync removes the key.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await presence.ForgetThisInstanceAsync();
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            // Then it expires on its own within a few seconds.
            logger.LogWarning(e, "Could not remove this instance's heartbeat");
        }
    }
}
