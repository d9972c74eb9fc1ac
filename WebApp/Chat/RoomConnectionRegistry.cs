using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace WebApp.Chat;

/// <summary>Every open chat socket in this process, by room.</summary>
public sealed class RoomConnectionRegistry
{
    private readonly ConcurrentDictionary<int, RoomMembers> _rooms = new();
    private readonly ConcurrentDictionary<string, int> _socketsPerUser = new();

    /// <summary>A room's members and its publish gate; entries stay for the life of the process (one per room used).</summary>
    public RoomMembers Room(int roomId) => _rooms.GetOrAdd(roomId, static _ => new RoomMembers());

    public void Add(ChatConnection connection) => Room(connection.RoomId).Add(connection);

    public void Remove(ChatConnection connection) => Room(connection.RoomId).Remove(connection);

    /// <summary>Claims one of the user's socket slots before an upgrade; false when all are taken.</summary>
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

    public int CountIn(int roomId) => _rooms.TryGetValue(roomId, out var room) ? room.Connections.Length : 0;

    public IEnumerable<ChatConnection> All => _rooms.Values.SelectMany(room => room.Connections);
}

public sealed class RoomMembers
{
    private readonly Lock _lock = new();
    private ImmutableArray<ChatConnection> _connections = [];

    /// <summary>Held while a message is stored and broadcast, so every member sees the room's messages in sequence order.</summary>
    public SemaphoreSlim PublishGate { get; } = new(1, 1);

    /// <summary>A snapshot, cheap to iterate while sockets come and go.</summary>
    public ImmutableArray<ChatConnection> Connections => _connections;

    public void Add(ChatConnection connection)
    {
        lock (_lock) _connections = _connections.Add(connection);
    }

    public void Remove(ChatConnection connection)
    {
        lock (_lock) _connections = _connections.Remove(connection);
    }
}
