using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace WebApp.ScaleOut;

/// <summary>
/// Keeps this instance's heartbeat key alive in Redis every <see cref="ScaleOutOptions.HeartbeatInterval"/> (it
/// expires three beats later), so the other instances count its people as online, and after each beat has the
/// presence store re-check this instance's rooms (<see cref="RedisPresenceStore.AfterBeatAsync"/>), so a dead
/// instance's people drop out of every list. On a graceful stop the key is removed at once.
/// </summary>
public sealed class RedisHeartbeat(
    RedisPresenceStore presence, IOptions<ScaleOutOptions> options, TimeProvider clock, ILogger<RedisHeartbeat> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, clock);
        var counted = false;
        try
        {
            do
            {
                try
                {
                    await presence.BeatAsync();
                    await presence.AfterBeatAsync(firstSinceOutage: !counted);
                    counted = true;
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    // A timeout is no RedisException: both only mean Redis is away. The event bus's ConnectionFailed
                    // handler logged it; the next beat tries again, and the reconnection beats at once.
                    counted = false;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Re-checking presence after a heartbeat failed");
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
