using System.Buffers.Binary;
using StackExchange.Redis;
using WebApp.Chat;

namespace WebApp.ScaleOut;

/// <summary>
/// The room event bus on one Redis pub/sub channel: each instance publishes the frames it stored (it has already
/// delivered them to its own sockets) and delivers the others'. Publishing is fire and forget and skipped while Redis
/// is unreachable, so no socket ever waits for Redis; when the connection comes back, the subscriber reads from the
/// database what the other instances stored meanwhile.
/// </summary>
public sealed class RedisRoomEventBus(RedisSite site, ILogger<RedisRoomEventBus> logger) : IRoomEventBus, IHostedService
{
    /// <summary>How long after a restore the rooms catch up from the database a second time.</summary>
    private static readonly TimeSpan ResubscribeGrace = TimeSpan.FromSeconds(1);

    private static readonly RedisChannel Channel = RedisChannel.Literal("chat:messages");

    /// <summary>
    /// A message on the channel: the sending instance's id, the room id, the event's sequence number (0 for an
    /// ephemeral event, which has none), then the frame.
    /// </summary>
    private const int Header = 16 + 4 + 8;

    private IRoomEventSubscriber? _subscriber;
    private volatile bool _stopped;

    public void Subscribe(IRoomEventSubscriber subscriber) => _subscriber = subscriber;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        (await site.Subscriber.SubscribeAsync(Channel)).OnMessage(OnMessage);
        site.Multiplexer.ConnectionFailed += OnConnectionFailed;
        site.Multiplexer.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>After the server has drained its sockets: nothing from Redis reaches this instance any more, nothing goes out.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        site.Multiplexer.ConnectionFailed -= OnConnectionFailed;
        site.Multiplexer.ConnectionRestored -= OnConnectionRestored;
        await site.UnsubscribeQuietlyAsync(Channel, logger);
    }

    public void Publish(int roomId, long seq, byte[] frame)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seq, 1);
        Send(roomId, seq, frame);
    }

    public void PublishEphemeral(int roomId, byte[] frame) => Send(roomId, 0, frame);

    private void Send(int roomId, long seq, byte[] frame)
    {
        if (_stopped || !site.IsConnected) return;
        var payload = new byte[Header + frame.Length];
        site.InstanceId.TryWriteBytes(payload);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(16), roomId);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(20), seq);
        frame.CopyTo(payload, Header);
        site.Subscriber.Publish(Channel, payload, CommandFlags.FireAndForget);
    }

    private void OnMessage(ChannelMessage message)
    {
        byte[] payload = message.Message!;
        if (_stopped || payload.Length < Header || new Guid(payload.AsSpan(0, 16)) == site.InstanceId) return;
        var roomId = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(16));
        var seq = BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(20));
        if (seq == 0) _subscriber?.OnRemoteEphemeral(roomId, payload[Header..]);
        else _subscriber?.OnRemoteEvent(roomId, seq, payload[Header..]);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        logger.LogError(e.Exception, "Redis connection lost ({FailureType}, {ConnectionType}); serving this instance's sockets only",
            e.FailureType, e.ConnectionType);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (_stopped || _subscriber is not { } subscriber) return;
        _ = CatchUpAsync(subscriber);
    }

    private async Task CatchUpAsync(IRoomEventSubscriber subscriber)
    {
        logger.LogInformation("Redis connection restored; catching up rooms from the database");
        try
        {
            await subscriber.OnBusRestoredAsync();
            // Once more a moment later: the restore is announced per connection, and an event published before this
            // instance's channel subscription is back in place would otherwise wait for the room's next event.
            await Task.Delay(ResubscribeGrace);
            if (!_stopped) await subscriber.OnBusRestoredAsync();
        }
        catch (Exception e)
        {
            logger.LogError(e, "Catching up after the Redis outage failed");
        }
    }
}
