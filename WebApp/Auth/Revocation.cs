using System.Text.Json.Serialization;

namespace WebApp.Auth;

[JsonConverter(typeof(JsonStringEnumConverter<RevocationKind>))]
public enum RevocationKind
{
    /// <summary>A browser session signed out: only the sockets opened from that session close.</summary>
    SignedOut,

    /// <summary>
    /// The user changed: sockets opened before a security-stamp change, or of a locked-out user, close; the others
    /// go on under the user's current display name (<see cref="RevocationSignal.DisplayName"/>).
    /// </summary>
    UserChanged,

    UserDeleted,

    /// <summary>Removed from a private room: their sockets there close with "do not retry".</summary>
    RemovedFromRoom,

    /// <summary>Invited to a private room: nothing closes, but cached "not a member" answers are dropped.</summary>
    InvitedToRoom,
}

/// <summary>Something that ends or changes socket authorization; applied on every instance (<see cref="IRevocationBus"/>).</summary>
/// <param name="DisplayName">For <see cref="RevocationKind.UserChanged"/>: the name the user now shows.</param>
public sealed record RevocationSignal(
    RevocationKind Kind, string UserId, string? SessionId = null, string? StampHash = null, bool LockedOut = false, int RoomId = 0,
    string? DisplayName = null)
{
    public static RevocationSignal SignedOut(string userId, string sessionId) => new(RevocationKind.SignedOut, userId, SessionId: sessionId);

    public static RevocationSignal UserChanged(string userId, string stampHash, bool lockedOut, string? displayName = null) =>
        new(RevocationKind.UserChanged, userId, StampHash: stampHash, LockedOut: lockedOut, DisplayName: displayName);

    public static RevocationSignal UserDeleted(string userId) => new(RevocationKind.UserDeleted, userId);

    public static RevocationSignal RemovedFromRoom(int roomId, string userId) => new(RevocationKind.RemovedFromRoom, userId, RoomId: roomId);

    public static RevocationSignal InvitedToRoom(int roomId, string userId) => new(RevocationKind.InvitedToRoom, userId, RoomId: roomId);
}

/// <summary>
/// What must happen in this process when authorization ends or changes; implemented by the features that hold
/// authorization (the chat closes sockets and forgets cached memberships).
/// </summary>
public interface IRevocationListener
{
    /// <summary>Called once per signal, on the thread that applies it; must not block.</summary>
    void OnRevoked(RevocationSignal signal);
}

/// <summary>
/// Applies revocations in this process: forgets the cached security state of the user, then tells every
/// <see cref="IRevocationListener"/>. Whatever carries signals between instances calls <see cref="Apply"/>.
/// </summary>
public sealed class Revocations(UserSecurityStates securityStates, IEnumerable<IRevocationListener> listeners)
{
    public void Apply(RevocationSignal signal)
    {
        if (signal.Kind is RevocationKind.UserChanged or RevocationKind.UserDeleted) securityStates.Forget(signal.UserId);
        foreach (var listener in listeners) listener.OnRevoked(signal);
    }
}

/// <summary>
/// Revokes on every instance of the site, this one first (so it never lags its own caller). One process needs
/// nothing more (<see cref="InProcessRevocationBus"/>); several share signals through Redis.
/// </summary>
public interface IRevocationBus
{
    /// <summary>Applies <paramref name="signal"/> here, then sends it to the other instances (best effort, logged when it fails).</summary>
    Task RevokeAsync(RevocationSignal signal);
}

/// <summary>One process: applying it here is applying it everywhere.</summary>
public sealed class InProcessRevocationBus(Revocations revocations) : IRevocationBus
{
    public Task RevokeAsync(RevocationSignal signal)
    {
        revocations.Apply(signal);
        return Task.CompletedTask;
    }
}
