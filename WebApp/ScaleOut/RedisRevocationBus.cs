using System.Text.Json;
using StackExchange.Redis;
using WebApp.Auth;

namespace WebApp.ScaleOut;

/// <summary>
/// Revocations on a Redis pub/sub channel: applied here first (this instance never lags its own caller), then on
/// every other instance. When Redis is unreachable the signal stays here; elsewhere the tokens it concerns still fail
/// the stamp and membership checks at the source of truth once cached answers expire.
/// </summary>
public sealed class RedisRevocationBus(RedisSite site, Revocations revocations, ILogger<RedisRevocationBus> logger)
    : IRevocationBus, IHostedService
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("chat:revocations");

    private volatile bool _stopped;

    private sealed record Envelope(Guid From, RevocationSignal Signal);

    public async Task StartAsync(CancellationToken cancellationToken) =>
        (await site.Subscriber.SubscribeAsync(Channel)).OnMessage(OnMessage);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        await site.UnsubscribeQuietlyAsync(Channel, logger);
    }

    public async Task RevokeAsync(RevocationSignal signal)
    {
        revocations.Apply(signal);
        if (_stopped) return;
        if (!site.IsConnected)
        {
            logger.LogError("Revocation {Kind} for user {UserId} reached this instance only: Redis unreachable", signal.Kind, signal.UserId);
            return;
        }
        try
        {
            await site.Subscriber.PublishAsync(Channel, JsonSerializer.Serialize(new Envelope(site.InstanceId, signal)));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogError(e, "Revocation {Kind} for user {UserId} reached this instance only", signal.Kind, signal.UserId);
        }
    }

    private void OnMessage(ChannelMessage message)
    {
        if (_stopped) return;
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>((string)message.Message!);
            if (envelope is not null && envelope.From != site.InstanceId) revocations.Apply(envelope.Signal);
        }
        catch (JsonException e)
        {
            logger.LogError(e, "Unreadable revocation on {Channel}", Channel);
        }
    }
}
