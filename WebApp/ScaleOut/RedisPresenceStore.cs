using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WebApp.Chat;

namespace WebApp.ScaleOut;

/// <summary>
/// Presence shared through Redis: a hash per room with a field per instance holding that instance's people
/// (<c>userId TAB name</c> per line), counted only while the instance's heartbeat key lives
/// (<see cref="RedisHeartbeat"/>), and an announcement on a pub/sub channel whenever an instance's list changes.
/// While Redis is unreachable every answer comes from this instance's own sockets at once; when it is back this
/// instance beats, shares every room again and re-reads every list (the others do the same), so presence is whole.
/// </summary>
public sealed class RedisPresenceStore(RedisSite site, IOptions<ScaleOutOptions> options, ILogger<RedisPresenceStore> logger)
    : IPresenceStore, IHostedService
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("chat:presence");

    /// <summary>This instance's own people, what every answer falls back to while Redis is unreachable.</summary>
    private readonly InProcessPresenceStore _here = new();
    private IPresenceSubscriber? _subscriber;
    private volatile bool _stopped;

    private string InstanceKey => $"chat:instance:{site.InstanceField}";

    public void Subscribe(IPresenceSubscriber subscriber) => _subscriber = subscriber;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        (await site.Subscriber.SubscribeAsync(Channel)).OnMessage(OnAnnouncementAsync);
        site.Multiplexer.ConnectionRestored += OnConnectionRestored;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        site.Multiplexer.ConnectionRestored -= OnConnectionRestored;
        await site.UnsubscribeQuietlyAsync(Channel, logger);
    }

    /// <summary>Marks this instance alive for <see cref="ScaleOutOptions.HeartbeatLifetime"/>; its people count as online while it is.</summary>
    public Task BeatAsync() => site.Database.StringSetAsync(InstanceKey, 1, options.Value.HeartbeatLifetime);

    /// <summary>
    /// After a beat: the lists may have changed with nobody announcing it (an instance died and its heartbeat
    /// expired; this instance's own first beat made its people count elsewhere). When this instance was not counted
    /// before (<paramref name="firstSinceOutage"/>: its first beat, or the first after failed ones) it shares every
    /// room again, which the others hear; either way every room's list here is re-read and sent where it changed.
    /// </summary>
    public async Task AfterBeatAsync(bool firstSinceOutage)
    {
        if (_stopped || _subscriber is not { } subscriber) return;
        if (firstSinceOutage) await subscriber.OnStoreRestoredAsync();
        else await subscriber.OnPresenceMayHaveChangedAsync();
    }

    /// <summary>This instance is leaving: the others stop counting its people at once instead of when the heartbeat expires.</summary>
    public Task ForgetThisInstanceAsync() => site.Database.KeyDeleteAsync(InstanceKey);

    public async Task ShareAsync(int roomId, IReadOnlyList<PresentPerson> people)
    {
        await _here.ShareAsync(roomId, people);
        // A room emptied by the stop itself: ForgetThisInstanceAsync already tells the others.
        if (_stopped || !site.IsConnected) return;
        try
        {
            if (people.Count == 0) await site.Database.HashDeleteAsync(RoomKey(roomId), site.InstanceField);
            else await site.Database.HashSetAsync(RoomKey(roomId), site.InstanceField, string.Join('\n', people.Select(p => $"{p.UserId}\t{p.Name}")));
            await site.Subscriber.PublishAsync(Channel, $"{site.InstanceField} {roomId}", CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // This instance's sockets still get the list; the others catch up when Redis is back.
            logger.LogWarning(e, "Presence for room {RoomId} not shared: Redis unreachable", roomId);
        }
    }

    public async Task<IReadOnlyList<string>> OnlineNamesAsync(int roomId)
    {
        if (_stopped || !site.IsConnected) return await _here.OnlineNamesAsync(roomId);
        try
        {
            var db = site.Database;
            var entries = await db.HashGetAllAsync(RoomKey(roomId));
            var alive = entries.Length == 0 ? [] : await db.StringGetAsync([.. entries.Select(e => (RedisKey)$"chat:instance:{e.Name}")]);
            var names = new Dictionary<string, string>();
            for (var i = 0; i < entries.Length; i++)
            {
                // An instance that stopped heart-beating is gone, and so are its people.
                if (alive[i].IsNull && entries[i].Name != site.InstanceField) continue;
                foreach (var line in ((string)entries[i].Value!).Split('\n'))
                {
                    var tab = line.IndexOf('\t');
                    if (tab > 0) names[line[..tab]] = line[(tab + 1)..];
                }
            }
            foreach (var (userId, name) in _here.Here(roomId)) names[userId] = name;
            return [.. names.Values.Order(StringComparer.CurrentCultureIgnoreCase)];
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Presence for room {RoomId} from this instance only: Redis unreachable", roomId);
            return await _here.OnlineNamesAsync(roomId);
        }
    }

    public async Task<IReadOnlyDictionary<int, int>> OnlineCountsAsync(IReadOnlyList<int> roomIds)
    {
        var ids = roomIds.Distinct().ToList();
        // Issued together: the multiplexer pipelines them over one connection.
        var names = await Task.WhenAll(ids.Select(OnlineNamesAsync));
        return ids.Zip(names).ToDictionary(pair => pair.First, pair => pair.Second.Count);
    }

    private static RedisKey RoomKey(int roomId) => $"chat:presence:{roomId}";

    private async Task OnAnnouncementAsync(ChannelMessage message)
    {
        try
        {
            var parts = ((string)message.Message!).Split(' ');
            if (_stopped || _subscriber is not { } subscriber || parts.Length != 2 || parts[0] == site.InstanceField
                || !int.TryParse(parts[1], out var roomId)) return;
            await subscriber.OnPresenceChangedAsync(roomId);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Presence update failed");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (!_stopped) _ = RestoreAsync();
    }

    /// <summary>The heartbeat may have expired during the outage: beat first, so the others count this instance's people again.</summary>
    private async Task RestoreAsync()
    {
        try
        {
            await BeatAsync();
            if (_subscriber is { } subscriber) await subscriber.OnStoreRestoredAsync();
        }
        catch (Exception e)
        {
            logger.LogError(e, "Restoring presence after the Redis outage failed");
        }
    }
}
