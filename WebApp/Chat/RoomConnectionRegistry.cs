using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace WebApp.Chat;

/// <summary>Every open chat socket in this process, by room, and how many each user holds.</summary>
public sealed class RoomConnectionRegistry
{
    private readonly ConcurrentDictionary<int, RoomMembers> _rooms = new();
    private readonly ConcurrentDictionary<string, int> _socketsPerUser = new();

    /// <summary>A room's members and its publish gate; entries stay for the life of the process (one per room used).</summary>
    public RoomMembers Room(int roomId) => _rooms.GetOrAdd(roomId, static _ => new RoomMembers());

    /// <summary>People (not sockets) connected to a room.</summary>
    public int OnlineIn(int roomId) => _rooms.TryGetValue(roomId, out var room) ? room.OnlineCount : 0;

    public IEnumerable<ChatConnection> All => _rooms.Values.SelectMany(room => room.Connections);

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
}

/// <summary>The sockets in one room, who they belong to, and the gate that orders what the room is sent.</summary>
public sealed class RoomMembers
{
    private readonly Lock _lock = new();
    private ImmutableArray<ChatConnection> _connections = [];
    private ImmutableSortedDictionary<string, (string Name, int Sockets)> _people =
        ImmutableSortedDictionary<string, (string, int)>.Empty;

    /// <summary>
    /// Held while a message is stored and broadcast, a socket joins (and is sent what it missed), or presence is
    /// announced, so every member sees the room's events in one order, with nothing missed or doubled.
    /// </summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The rendered presence fragment, kept until someone comes or goes.</summary>
    public byte[]? PresenceFrame { get; set; }

    /// <summary>Set while a presence announcement is scheduled, so a burst of joins is announced once.</summary>
    public int AnnouncementPending;

    /// <summary>A snapshot, cheap to iterate while sockets come and go.</summary>
    public ImmutableArray<ChatConnection> Connections => _connections;

    public int OnlineCount => _people.Count;

    /// <summary>Display names of the people connected, each once however many tabs they have open.</summary>
    public IReadOnlyList<string> OnlineNames() => _people.Values.Select(p => p.Name).Order(StringComparer.CurrentCultureIgnoreCase).ToList();

    /// <summary>Adds a socket; true when it is the user's first here (they just came online).</summary>
    public bool Add(ChatConnection connection)
    {
        lock (_lock)
        {
            _connections = _connections.Add(connection);
            var userId = connection.Grant.UserId;
            var sockets = _people.TryGetValue(userId, out var person) ? person.Sockets : 0;
            _people = _people.SetItem(userId, (connection.Grant.DisplayName, sockets + 1));
            if (sockets == 0) PresenceFrame = null;
            return sockets == 0;
        }
    }

    /// <summary>Removes a socket; true when it was the user's last here (they just went offline).</summary>
    public bool Remove(ChatConnection connection)
    {
        lock (_lock)
        {
            var before = _connections.Length;
            _connections = _connections.Remove(connection);
            if (_connections.Length == before) return false;
            var userId = connection.Grant.UserId;
            var person = _people[userId];
            _people = person.Sockets == 1 ? _people.Remove(userId) : _people.SetItem(userId, (person.Name, person.Sockets - 1));
            if (person.Sockets == 1) PresenceFrame = null;
            return person.Sockets == 1;
        }
    }
}
