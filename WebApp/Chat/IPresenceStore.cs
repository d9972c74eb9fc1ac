using System.Collections.Concurrent;

namespace WebApp.Chat;

/// <summary>Someone with at least one socket in a room on this instance.</summary>
public readonly record struct PresentPerson(string UserId, string Name);

/// <summary>
/// Who is online in each room, on every instance (presence). The chat owns this contract; one process keeps what its
/// live rooms share (<see cref="InProcessPresenceStore"/>), several share presence through Redis (the ScaleOut folder).
/// </summary>
public interface IPresenceStore
{
    /// <summary>Records this instance's people in a room (everyone with a socket there, each once) and tells the other instances.</summary>
    Task ShareAsync(int roomId, IReadOnlyList<PresentPerson> here);

    /// <summary>Display names of everyone online in a room on any instance, each person once, sorted.</summary>
    Task<IReadOnlyList<string>> OnlineNamesAsync(int roomId);

    /// <summary>How many people are online in each room, on any instance.</summary>
    Task<IReadOnlyDictionary<int, int>> OnlineCountsAsync(IReadOnlyList<int> roomIds);

    /// <summary>Tells <paramref name="subscriber"/> when presence changes elsewhere, or the store comes back.</summary>
    void Subscribe(IPresenceSubscriber subscriber);
}

/// <summary>What announces presence to a room's sockets: the chat's live rooms.</summary>
public interface IPresenceSubscriber
{
    /// <summary>Someone came or went in a room on another instance.</summary>
    Task OnPresenceChangedAsync(int roomId);

    /// <summary>The store was unreachable and is back: share this instance's people again and refresh every list.</summary>
    Task OnStoreRestoredAsync();

    /// <summary>
    /// Lists may have changed without an announcement (another instance died): re-read every room's list and send
    /// it only where it differs from the one last sent.
    /// </summary>
    Task OnPresenceMayHaveChangedAsync();
}

/// <summary>One process: the people the live rooms last shared are everyone. Also the local part of the Redis store.</summary>
public sealed class InProcessPresenceStore : IPresenceStore
{
    private readonly ConcurrentDictionary<int, IReadOnlyList<PresentPerson>> _rooms = new();

    /// <summary>This instance's people in a room, as last shared.</summary>
    public IReadOnlyList<PresentPerson> Here(int roomId) => _rooms.GetValueOrDefault(roomId) ?? [];

    public Task ShareAsync(int roomId, IReadOnlyList<PresentPerson> here)
    {
        if (here.Count == 0) _rooms.TryRemove(roomId, out _);
        else _rooms[roomId] = here;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> OnlineNamesAsync(int roomId) =>
        Task.FromResult<IReadOnlyList<string>>([.. Here(roomId).Select(p => p.Name).Order(StringComparer.CurrentCultureIgnoreCase)]);

    public Task<IReadOnlyDictionary<int, int>> OnlineCountsAsync(IReadOnlyList<int> roomIds) =>
        Task.FromResult<IReadOnlyDictionary<int, int>>(roomIds.Distinct().ToDictionary(id => id, id => Here(id).Count));

    public void Subscribe(IPresenceSubscriber subscriber) { }
}
