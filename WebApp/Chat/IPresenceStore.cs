namespace WebApp.Chat;

/// <summary>
/// Who is online in each room, on every instance (presence). The chat owns this contract; one process reads its own
/// sockets (<see cref="InProcessPresenceStore"/>), several share presence through Redis (the ScaleOut folder).
/// </summary>
public interface IPresenceStore
{
    /// <summary>Records this instance's people in a room (from its live sockets) and tells the other instances.</summary>
    Task ShareAsync(int roomId);

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
}

/// <summary>One process: the live sockets are everyone.</summary>
public sealed class InProcessPresenceStore(RoomConnectionRegistry registry) : IPresenceStore
{
    public Task ShareAsync(int roomId) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> OnlineNamesAsync(int roomId) =>
        Task.FromResult(registry.TryGetRoom(roomId)?.OnlineNames() ?? []);

    public Task<IReadOnlyDictionary<int, int>> OnlineCountsAsync(IReadOnlyList<int> roomIds) =>
        Task.FromResult<IReadOnlyDictionary<int, int>>(roomIds.Distinct().ToDictionary(id => id, registry.OnlineIn));

    public void Subscribe(IPresenceSubscriber subscriber) { }
}
