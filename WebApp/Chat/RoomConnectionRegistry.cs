using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace WebApp.Chat;

/// <summary>Every open chat socket in this process, by room, and how many each user holds.</summary>
public sealed class RoomConnectionRegistry
{
    private readonly ConcurrentDictionary<int, LiveRoom> _rooms = new();
    private readonly ConcurrentDictionary<string, int> _socketsPerUser = new();

    /// <summary>A room's members and delivery order; entries stay for the life of the process (one per room used).</summary>
    public LiveRoom Room(int roomId) => _rooms.GetOrAdd(roomId, static _ => new LiveRoom());

    public LiveRoom? TryGetRoom(int roomId) => _rooms.GetValueOrDefault(roomId);

    public IEnumerable<KeyValuePair<int, LiveRoom>> Rooms => _rooms;

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

/// <summary>
/// Work that runs once, a moment after it is first requested, however often it is requested meanwhile. Once
/// <c>stopping</c> is cancelled nothing more runs: the services the work uses are about to be disposed.
/// </summary>
public sealed class CoalescedJob
{
    private int _pending;

    public void Request(TimeSpan delay, Func<Task> work, Action<Exception> onFailure, CancellationToken stopping)
    {
        if (stopping.IsCancellationRequested || Interlocked.Exchange(ref _pending, 1) == 1) return;
        _ = RunLaterAsync();

        async Task RunLaterAsync()
        {
            try
            {
                await Task.Delay(delay, stopping);
                // Reset first: a request arriving while the work runs schedules another run, so none is lost.
                Volatile.Write(ref _pending, 0);
                await work();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // The app is stopping and every socket is being closed: nobody is left to tell.
            }
            catch (Exception e)
            {
                onFailure(e);
            }
        }
    }
}
