using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;
using WebApp.Auth;
using WebApp.Chat;

namespace WebApp.ScaleOut;

/// <summary>
/// Several instances sharing Redis. Messages go out on one pub/sub channel (each instance already delivered its own);
/// revocations on another (applied here first, so this instance never lags its own caller); used token ids are keys
/// that expire with the token; presence is a hash per room with a field per instance, kept only while the instance's
/// heartbeat key lives (<see cref="RedisHeartbeat"/>). When Redis is unreachable this instance keeps serving its own
/// sockets, refuses new ones (a replayed token could not be detected), and once Redis is back it reads from the
/// database what it missed.
/// </summary>
/// <remarks>
/// Stopping (<see cref="StopAsync"/>) unsubscribes and detaches from the multiplexer's events, so no callback from
/// Redis runs into a container being disposed; what is asked of the backplane after that (a presence announcement
/// or message still on its way) stays in this process. It owns nothing to dispose: the container disposes the
/// multiplexer, and the same instance is registered three ways, which would dispose it three times.
/// </remarks>
public sealed class RedisBackplane : IChatBackplane, IHostedService
{
    private static readonly RedisChannel MessagesChannel = RedisChannel.Literal("chat:messages");
    private static readonly RedisChannel RevocationsChannel = RedisChannel.Literal("chat:revocations");
    private static readonly RedisChannel PresenceChannel = RedisChannel.Literal("chat:presence");
    private static readonly TimeSpan HeartbeatLifetime = TimeSpan.FromSeconds(15);

    /// <summary>A message on the channel: the sending instance's id, the room id, the sequence number, then the frame.</summary>
    private const int Header = 16 + 4 + 8;

    /// <summary>Set per process: frames from this instance come back on the channel and are skipped.</summary>
    private readonly Guid _instanceId = Guid.NewGuid();
    private readonly IConnectionMultiplexer _redis;
    private readonly SocketRevocation _revocation;
    private readonly IServiceProvider _services;
    private readonly TimeSpan _clockSkew;
    private readonly TimeProvider _clock;
    private readonly ILogger<RedisBackplane> _logger;
    private readonly string _keyPrefix;
    private volatile bool _stopped;

    public RedisBackplane(
        IConnectionMultiplexer redis, SocketRevocation revocation, IServiceProvider services, IOptions<JwtOptions> jwt,
        TimeProvider clock, ILogger<RedisBackplane> logger)
    {
        _redis = redis;
        var channelPrefix = ConfigurationOptions.Parse(redis.Configuration).ChannelPrefix;
        // An unset prefix is a null channel, whose ToString() is "(null)": keys get no prefix then.
        _keyPrefix = channelPrefix.IsNullOrEmpty ? "" : channelPrefix.ToString();
        _revocation = revocation;
        _services = services;
        _clockSkew = jwt.Value.ClockSkew;
        _clock = clock;
        _logger = logger;
    }

    private string InstanceKey => $"chat:instance:{_instanceId:N}";

    /// <summary>
    /// Keys carry the connection string's <c>channelPrefix</c> too (StackExchange.Redis applies it to channels), so
    /// several sites can share one Redis without seeing each other's rooms.
    /// </summary>
    private IDatabase Database => _redis.GetDatabase().WithKeyPrefix(_keyPrefix);

    // Resolved when first needed: the publisher itself publishes through this backplane.
    private RoomMessagePublisher Publisher => _services.GetRequiredService<RoomMessagePublisher>();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscriber = _redis.GetSubscriber();
        (await subscriber.SubscribeAsync(MessagesChannel)).OnMessage(OnMessage);
        (await subscriber.SubscribeAsync(RevocationsChannel)).OnMessage(OnRevocation);
        (await subscriber.SubscribeAsync(PresenceChannel)).OnMessage(OnPresenceAsync);
        _redis.ConnectionFailed += OnConnectionFailed;
        _redis.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>
    /// Runs after the server has drained its sockets (hosted services stop in reverse order, the server last started).
    /// From here on nothing from Redis reaches this instance, and nothing this instance does goes to Redis.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        _redis.ConnectionFailed -= OnConnectionFailed;
        _redis.ConnectionRestored -= OnConnectionRestored;
        try
        {
            await _redis.GetSubscriber().UnsubscribeAllAsync();
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            // Redis is unreachable, or the multiplexer is already gone: either way no message arrives any more.
            _logger.LogDebug(e, "Unsubscribing from Redis on stop failed");
        }
    }

    /// <summary>Marks this instance alive for <see cref="HeartbeatLifetime"/>; its people count as online while it is.</summary>
    public Task BeatAsync() => Database.StringSetAsync(InstanceKey, 1, HeartbeatLifetime);

    /// <summary>This instance is leaving: the others stop counting its people at once instead of when the heartbeat expires.</summary>
    public Task ForgetThisInstanceAsync() => Database.KeyDeleteAsync(InstanceKey);

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        _logger.LogError(e.Exception, "Redis connection lost ({FailureType}); serving this instance's sockets only", e.FailureType);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (!_stopped) _ = CatchUpAfterOutageAsync();
    }

    /// <summary>
    /// Hands the frame to the multiplexer and returns at once (fire and forget): the sender's socket never waits for
    /// Redis. While Redis is unreachable nothing is sent; the other instances read what they missed from the database
    /// when they are back on Redis (<see cref="CatchUpAfterOutageAsync"/>), or when a later message shows a gap.
    /// </summary>
    public Task PublishMessageAsync(int roomId, long seq, byte[] frame)
    {
        if (_stopped || !_redis.IsConnected) return Task.CompletedTask;
        var payload = new byte[Header + frame.Length];
        _instanceId.TryWriteBytes(payload);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(16), roomId);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(20), seq);
        frame.CopyTo(payload, Header);
        return _redis.GetSubscriber().PublishAsync(MessagesChannel, payload, CommandFlags.FireAndForget);
    }

    private void OnMessage(ChannelMessage message)
    {
        byte[] payload = message.Message!;
        if (_stopped || payload.Length < Header || new Guid(payload.AsSpan(0, 16)) == _instanceId) return;
        var roomId = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(16));
        var seq = BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(20));
        Publisher.DeliverFromOtherInstance(roomId, seq, payload[Header..]);
    }

    public async Task RevokeAsync(RevocationSignal signal)
    {
        _revocation.Apply(signal);
        if (_stopped) return;
        try
        {
            await _redis.GetSubscriber().PublishAsync(RevocationsChannel, JsonSerializer.Serialize(new RevocationEnvelope(_instanceId, signal)));
        }
        catch (RedisException e)
        {
            // Their tokens still fail the stamp and membership checks at the source of truth once caches expire.
            _logger.LogError(e, "Revocation {Kind} for user {UserId} reached this instance only", signal.Kind, signal.UserId);
        }
    }

    private sealed record RevocationEnvelope(Guid From, RevocationSignal Signal);

    private void OnRevocation(ChannelMessage message)
    {
        if (_stopped) return;
        try
        {
            var envelope = JsonSerializer.Deserialize<RevocationEnvelope>((string)message.Message!);
            if (envelope is not null && envelope.From != _instanceId) _revocation.Apply(envelope.Signal);
        }
        catch (JsonException e)
        {
            _logger.LogError(e, "Unreadable revocation on {Channel}", RevocationsChannel);
        }
    }

    public async Task<bool> TryUseTokenAsync(SocketGrant grant)
    {
        // Refused at once (503 upstream) rather than after the client's timeout: a replay could not be detected.
        if (!_redis.IsConnected) throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "Redis is unreachable", null, CommandStatus.Unknown);
        // Remembered until the token could no longer validate anyway.
        var keep = grant.ExpiresAt + _clockSkew - _clock.GetUtcNow().UtcDateTime;
        if (keep <= TimeSpan.Zero) return false;
        return await Database.StringSetAsync($"chat:jti:{grant.TokenId}", 1, keep, When.NotExists);
    }

    public async Task SharePresenceAsync(int roomId, RoomMembers room)
    {
        // A room emptied by the stop itself: ForgetThisInstanceAsync already tells the others.
        if (_stopped || !_redis.IsConnected) return;
        var people = room.People();
        var field = _instanceId.ToString("N");
        try
        {
            if (people.Count == 0) await Database.HashDeleteAsync(PresenceKey(roomId), field);
            else await Database.HashSetAsync(PresenceKey(roomId), field, string.Join('\n', people.Select(p => $"{p.UserId}\t{p.Name}")));
            await _redis.GetSubscriber().PublishAsync(PresenceChannel, $"{field} {roomId}", CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // This instance's sockets still get the list; the others catch up when Redis is back.
            _logger.LogWarning(e, "Presence for room {RoomId} not shared: Redis unreachable", roomId);
        }
    }

    public async Task<IReadOnlyList<string>> OnlineNamesAsync(int roomId, RoomMembers room)
    {
        if (_stopped || !_redis.IsConnected) return room.OnlineNames();
        try
        {
            var db = Database;
            var entries = await db.HashGetAllAsync(PresenceKey(roomId));
            var alive = entries.Length == 0 ? [] : await db.StringGetAsync([.. entries.Select(e => (RedisKey)$"chat:instance:{e.Name}")]);
            var names = new Dictionary<string, string>();
            for (var i = 0; i < entries.Length; i++)
            {
                // An instance that stopped heart-beating is gone, and so are its people.
                if (alive[i].IsNull && entries[i].Name != _instanceId.ToString("N")) continue;
                foreach (var line in ((string)entries[i].Value!).Split('\n'))
                {
                    var tab = line.IndexOf('\t');
                    if (tab > 0) names[line[..tab]] = line[(tab + 1)..];
                }
            }
            foreach (var (userId, name) in room.People()) names[userId] = name;
            return [.. names.Values.Order(StringComparer.CurrentCultureIgnoreCase)];
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _logger.LogWarning(e, "Presence for room {RoomId} from this instance only: Redis unreachable", roomId);
            return room.OnlineNames();
        }
    }

    public async Task<IReadOnlyDictionary<int, int>> OnlineCountsAsync(IReadOnlyList<int> roomIds)
    {
        var registry = _services.GetRequiredService<RoomConnectionRegistry>();
        var ids = roomIds.Distinct().ToList();
        // Issued together: the multiplexer pipelines them over one connection.
        var names = await Task.WhenAll(ids.Select(id => OnlineNamesAsync(id, registry.TryGetRoom(id) ?? new RoomMembers())));
        return ids.Zip(names).ToDictionary(pair => pair.First, pair => pair.Second.Count);
    }

    private static RedisKey PresenceKey(int roomId) => $"chat:presence:{roomId}";

    private async Task OnPresenceAsync(ChannelMessage message)
    {
        try
        {
            var parts = ((string)message.Message!).Split(' ');
            if (_stopped || parts.Length != 2 || parts[0] == _instanceId.ToString("N") || !int.TryParse(parts[1], out var roomId)) return;
            await Publisher.RefreshPresenceAsync(roomId);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Presence update failed");
        }
    }

    /// <summary>
    /// Back on Redis: deliver from the database what other instances stored meanwhile, count this instance alive
    /// again (its heartbeat may have expired), share its people in every room, and re-read every room's list here:
    /// the other instances do the same when they reconnect, so presence is whole again on all of them.
    /// </summary>
    private async Task CatchUpAfterOutageAsync()
    {
        _logger.LogInformation("Redis connection restored; catching up rooms from the database");
        try
        {
            await Publisher.CatchUpAllRoomsAsync();
            await BeatAsync();
            foreach (var (roomId, room) in _services.GetRequiredService<RoomConnectionRegistry>().Rooms)
            {
                if (room.Connections.IsEmpty) continue;
                await SharePresenceAsync(roomId, room);
                await Publisher.RefreshPresenceAsync(roomId);
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Catching up after the Redis outage failed");
        }
    }
}
