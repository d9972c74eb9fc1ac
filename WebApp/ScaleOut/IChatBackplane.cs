using WebApp.Auth;
using WebApp.Chat;

namespace WebApp.ScaleOut;

/// <summary>
/// What the instances of one site share: messages each stored, who is online where, revocations, and used token ids.
/// One process needs none of it (<see cref="InProcessBackplane"/>); several share it through Redis
/// (<see cref="RedisBackplane"/>), chosen by <c>ConnectionStrings:Redis</c> alone.
/// </summary>
public interface IChatBackplane
{
    /// <summary>Tells the other instances about a message this one stored (it has delivered it to its own sockets).</summary>
    Task PublishMessageAsync(int roomId, long seq, byte[] frame);

    /// <summary>Closes the matching sockets and forgets cached authorization on every instance, this one included.</summary>
    Task RevokeAsync(RevocationSignal signal);

    /// <summary>True the first time a token id is used on any instance; false for a replay.</summary>
    Task<bool> TryUseTokenAsync(SocketGrant grant);

    /// <summary>This instance's people in a room changed: records them and tells the other instances.</summary>
    Task SharePresenceAsync(int roomId, RoomMembers room);

    /// <summary>Display names of everyone online in a room, on any instance.</summary>
    Task<IReadOnlyList<string>> OnlineNamesAsync(int roomId, RoomMembers room);

    /// <summary>How many people are online in each room, on any instance.</summary>
    Task<IReadOnlyDictionary<int, int>> OnlineCountsAsync(IReadOnlyList<int> roomIds);
}

/// <summary>One process: everything is already here.</summary>
public sealed class InProcessBackplane(UsedTokenIds usedTokens, SocketRevocation revocation, RoomConnectionRegistry registry) : IChatBackplane
{
    public Task PublishMessageAsync(int roomId, long seq, byte[] frame) => Task.CompletedTask;

    public Task RevokeAsync(RevocationSignal signal)
    {
        revocation.Apply(signal);
        return Task.CompletedTask;
    }

    public Task<bool> TryUseTokenAsync(SocketGrant grant) => Task.FromResult(usedTokens.TryUse(grant));

    public Task SharePresenceAsync(int roomId, RoomMembers room) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> OnlineNamesAsync(int roomId, RoomMembers room) => Task.FromResult(room.OnlineNames());

    public Task<IReadOnlyDictionary<int, int>> OnlineCountsAsync(IReadOnlyList<int> roomIds) =>
        Task.FromResult<IReadOnlyDictionary<int, int>>(roomIds.Distinct().ToDictionary(id => id, registry.OnlineIn));
}
