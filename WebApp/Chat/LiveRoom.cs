using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace WebApp.Chat;

/// <summary>
/// A room as it is live in this process (not to be confused with <c>Data.RoomMember</c>, private-room membership):
/// the sockets in it and who they belong to, and the room's delivery order: stored messages go out strictly in
/// sequence, whatever order their renders finish in, and a joining socket learns exactly which of them it will be sent
/// live, so catch-up reads only what came before.
/// </summary>
public sealed class LiveRoom
{
    private readonly Lock _lock = new();
    private ImmutableArray<ChatConnection> _connections = [];
    private ImmutableSortedDictionary<string, (string Name, int Sockets)> _people =
        ImmutableSortedDictionary<string, (string, int)>.Empty;

    /// <summary>The last sequence number sent to the room's sockets; -1 until the first socket joins.</summary>
    private long _deliveredSeq = -1;

    /// <summary>Messages whose render finished before an earlier message's did, waiting for their turn.</summary>
    private readonly SortedDictionary<long, byte[]?> _waiting = [];

    private long _presenceVersion;
    private long _presenceVersionSent;
    private (long Version, byte[] Frame)? _presenceFrame;

    /// <summary>A burst of joins and leaves is announced once.</summary>
    public CoalescedJob PresenceAnnouncement { get; } = new();

    /// <summary>A gap in the sequence is waited for, then read from the database, once.</summary>
    public CoalescedJob GapFill { get; } = new();

    /// <summary>A snapshot, cheap to iterate while sockets come and go.</summary>
    public ImmutableArray<ChatConnection> Connections => _connections;

    public int OnlineCount => _people.Count;

    public long DeliveredSeq => Volatile.Read(ref _deliveredSeq);

    public long PresenceVersion => Volatile.Read(ref _presenceVersion);

    /// <summary>Display names of the people connected, each once however many tabs they have open.</summary>
    public IReadOnlyList<string> OnlineNames() => Names(_people);

    /// <summary>
    /// Moves delivery on to the database's last sequence number while the room has no sockets here: none of its
    /// messages can be in flight on this instance then, and a joiner reads everything up to there. Once someone is
    /// here, only deliveries move it.
    /// </summary>
    public void StartDeliveryAfter(long lastSeq)
    {
        lock (_lock)
        {
            if (_connections.IsEmpty && lastSeq > _deliveredSeq) _deliveredSeq = lastSeq;
        }
    }

    /// <summary>
    /// Adds a socket. It is sent every message after <c>DeliveredSeq</c> live, so catch-up reads up to there.
    /// <c>CameOnline</c> is true when it is the user's first socket here.
    /// </summary>
    public (long DeliveredSeq, bool CameOnline) Add(ChatConnection connection)
    {
        lock (_lock)
        {
            _connections = _connections.Add(connection);
            var userId = connection.Grant.UserId;
            var sockets = _people.TryGetValue(userId, out var person) ? person.Sockets : 0;
            _people = _people.SetItem(userId, (connection.Grant.DisplayName, sockets + 1));
            if (sockets == 0) _presenceVersion++;
            return (_deliveredSeq, sockets == 0);
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
            if (person.Sockets == 1) _presenceVersion++;
            return person.Sockets == 1;
        }
    }

    /// <summary>
    /// Sends stored message <paramref name="seq"/> to every socket once all before it have gone; one already sent is
    /// ignored. A stored message that cannot be rendered is delivered with a null frame, so the room moves past it.
    /// </summary>
    /// <returns>True when messages now wait for an earlier one that has not arrived.</returns>
    public bool Deliver(long seq, byte[]? frame)
    {
        lock (_lock)
        {
            if (_deliveredSeq < 0) _deliveredSeq = seq - 1;
            if (seq <= _deliveredSeq) return _waiting.Count > 0;
            if (seq != _deliveredSeq + 1)
            {
                _waiting[seq] = frame;
                return true;
            }
            SendMessageToAll(seq, frame);
            _deliveredSeq = seq;
            while (_waiting.Remove(_deliveredSeq + 1, out var next))
            {
                SendMessageToAll(_deliveredSeq + 1, next);
                _deliveredSeq++;
            }
            return _waiting.Count > 0;
        }
    }

    /// <summary>The first message waiting behind a gap, if any.</summary>
    public long? MissingBefore()
    {
        lock (_lock)
        {
            foreach (var seq in _waiting.Keys) return seq;
            return null;
        }
    }

    /// <summary>Who is online changed elsewhere (another instance).</summary>
    public void MarkPresenceChanged()
    {
        lock (_lock) _presenceVersion++;
    }

    /// <summary>This instance's people here, by user id.</summary>
    public IReadOnlyList<(string UserId, string Name)> People() => _people.Select(p => (p.Key, p.Value.Name)).ToList();

    /// <summary>The rendered presence fragment for <paramref name="version"/>, if it is the one kept.</summary>
    public byte[]? CachedPresence(long version)
    {
        lock (_lock) return _presenceFrame is { } kept && kept.Version == version ? kept.Frame : null;
    }

    /// <summary>
    /// Sends a rendered presence fragment to everyone (or to one socket), unless a newer one was sent already: the
    /// announcements race each other, and the latest list must be the one that stays on screen.
    /// </summary>
    public void SendPresence(long version, byte[] frame, ChatConnection? only = null)
    {
        lock (_lock)
        {
            if (version == _presenceVersion) _presenceFrame = (version, frame);
            if (only is not null)
            {
                if (version == _presenceVersion) only.TrySend(frame);
                return;
            }
            if (version <= _presenceVersionSent) return;
            _presenceVersionSent = version;
            SendToAll(frame);
        }
    }

    private void SendMessageToAll(long seq, byte[]? frame)
    {
        if (frame is null) return;
        foreach (var connection in _connections) connection.TrySendMessage(seq, frame);
    }

    private void SendToAll(byte[]? frame)
    {
        if (frame is null) return;
        foreach (var connection in _connections) connection.TrySend(frame);
    }

    private static List<string> Names(ImmutableSortedDictionary<string, (string Name, int Sockets)> people) =>
        people.Values.Select(p => p.Name).Order(StringComparer.CurrentCultureIgnoreCase).ToList();
}
