using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace WebApp.Chat;

/// <summary>
/// The live rooms of this process (one <see cref="LiveRoom"/> per room that has had a socket, kept for the life of
/// the process), the per-user socket slots, and the door through which the other instances' events and presence
/// reach the rooms.
/// </summary>
public sealed class LiveRooms : IRoomEventSubscriber, IPresenceSubscriber
{
    private readonly ConcurrentDictionary<int, LiveRoom> _rooms = new();
    private readonly ConcurrentDictionary<string, int> _socketsPerUser = new();
    private readonly LiveRoomServices _services;

    public LiveRooms(
        MessageWriter writer,
        RoomEventLog log,
        RoomFrames frames,
        MentionFinder mentions,
        IRoomEventBus bus,
        IPresenceStore presence,
        ChatMetrics metrics,
        TimeProvider clock,
        IOptions<ChatOptions> options,
        IHostApplicationLifetime lifetime,
        ILogger<LiveRoom> logger)
    {
        _services = new LiveRoomServices(writer, log, frames, mentions, bus, presence, metrics, clock, options.Value, logger, lifetime.ApplicationStopping);
        Log = log;
    }

    private RoomEventLog Log { get; }

    /// <summary>A room's live state, created on first use.</summary>
    public LiveRoom Room(int roomId) => _rooms.GetOrAdd(roomId, id => new LiveRoom(id, _services));

    public LiveRoom? TryGetRoom(int roomId) => _rooms.GetValueOrDefault(roomId);

    /// <summary>Every open session in this process.</summary>
    public IEnumerable<ChatSession> Sessions => _rooms.Values.SelectMany(room => room.Sessions);

    /// <summary>
    /// Where the room stands: what this instance has delivered while it has sockets there (anything later reaches
    /// a new socket), else the newest stored event.
    /// </summary>
    public async Task<long> CurrentSeqAsync(int roomId) =>
        TryGetRoom(roomId) is { IsEmpty: false } room ? room.DeliveredSeq : await Log.LastSeqAsync(roomId);

    /// <summary>Claims one of the user's socket slots before an upgrade; false when all <paramref name="maxPerUser"/> are taken.</summary>
    public bool TryReserveSlot(string userId, int maxPerUser)
    {
        while (true)
        {
            var current = _socketsPerUser.GetOrAdd(userId, 0);
            if (current >= maxPerUser) return false;
            if (_socketsPerUser.TryUpdate(userId, current + 1, current)) return true;
        }
    }

    public void ReleaseSlot(string userId)
    {
        while (true)
        {
            var current = _socketsPerUser.GetValueOrDefault(userId);
            if (current <= 1)
            {
                if (current == 0 || _socketsPerUser.TryRemove(new KeyValuePair<string, int>(userId, 1))) return;
            }
            else if (_socketsPerUser.TryUpdate(userId, current - 1, current))
            {
                return;
            }
        }
    }

    /// <summary>A user's display name changed: every live room here hears of it (their messages may be on any page).</summary>
    public async Task RenameAsync(string userId, string displayName)
    {
        foreach (var room in _rooms.Values) await room.RenameAsync(userId, displayName);
    }

    void IRoomEventSubscriber.OnRemoteEvent(int roomId, long seq, byte[] frame) => TryGetRoom(roomId)?.OnRemoteEvent(seq, frame);

    void IRoomEventSubscriber.OnRemoteEphemeral(int roomId, byte[] frame) => TryGetRoom(roomId)?.OnRemoteEphemeral(frame);

    async Task IRoomEventSubscriber.OnBusRestoredAsync()
    {
        foreach (var room in _rooms.Values) await room.CatchUpFromDatabaseAsync();
    }

    Task IPresenceSubscriber.OnPresenceChangedAsync(int roomId) => TryGetRoom(roomId)?.OnPresenceChangedAsync() ?? Task.CompletedTask;

    async Task IPresenceSubscriber.OnStoreRestoredAsync()
    {
        foreach (var room in _rooms.Values) await room.SharePresenceAgainAsync();
    }

    async Task IPresenceSubscriber.OnPresenceMayHaveChangedAsync()
    {
        foreach (var room in _rooms.Values) await room.RecheckPresenceAsync();
    }
}
