using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace WebApp.ScaleOut;

/// <summary>
/// This instance's view of the Redis the site's instances share: its own id, the keys and channels under the
/// connection string's <c>channelPrefix</c> (so several sites can share one Redis), and whether Redis is reachable
/// now. While it is not, nothing here waits for it: callers answer from this process and catch up afterwards.
/// </summary>
public sealed class RedisSite
{
    private readonly IConnectionMultiplexer _redis;
    private readonly string _keyPrefix;

    public RedisSite(IConnectionMultiplexer redis)
    {
        _redis = redis;
        var channelPrefix = ConfigurationOptions.Parse(redis.Configuration).ChannelPrefix;
        // An unset prefix is a null channel, whose ToString() is "(null)": then keys get no prefix at all.
        _keyPrefix = channelPrefix.IsNullOrEmpty ? "" : channelPrefix.ToString();
    }

    /// <summary>Set per process: what this instance publishes comes back to it on the channels and is skipped.</summary>
    public Guid InstanceId { get; } = Guid.NewGuid();

    /// <summary>The instance id as it appears in keys, hash fields and presence announcements (32 hex digits).</summary>
    public string InstanceField => InstanceId.ToString("N");

    public IConnectionMultiplexer Multiplexer => _redis;

    /// <summary>False while the multiplexer is reconnecting: a command now would wait for its timeout (5 s by default).</summary>
    public bool IsConnected => _redis.IsConnected;

    /// <summary>The shared keys, under the site's prefix.</summary>
    public IDatabase Database => _redis.GetDatabase().WithKeyPrefix(_keyPrefix);

    /// <summary>Pub/sub; StackExchange.Redis applies the channel prefix itself.</summary>
    public ISubscriber Subscriber => _redis.GetSubscriber();

    /// <summary>Unsubscribes from <paramref name="channel"/>, tolerating a Redis that is gone or a multiplexer already disposed.</summary>
    public async Task UnsubscribeQuietlyAsync(RedisChannel channel, ILogger logger)
    {
        try
        {
            await Subscriber.UnsubscribeAsync(channel);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Either way nothing arrives on it any more.
            logger.LogDebug(e, "Unsubscribing from {Channel} on stop failed", channel);
        }
    }
}
