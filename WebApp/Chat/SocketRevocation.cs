using System.Net.WebSockets;
using System.Text.Json.Serialization;
using WebApp.Auth;

namespace WebApp.Chat;

[JsonConverter(typeof(JsonStringEnumConverter<RevocationKind>))]
public enum RevocationKind
{
    /// <summary>A browser session signed out: only the sockets opened from that session close.</summary>
    SignedOut,

    /// <summary>The user changed: sockets opened before a security-stamp change, or of a locked-out user, close.</summary>
    UserChanged,

    UserDeleted,

    /// <summary>Removed from a private room: their sockets there close with "do not retry".</summary>
    RemovedFromRoom,

    /// <summary>Invited to a private room: nothing closes, but cached "not a member" answers are dropped.</summary>
    InvitedToRoom,
}

/// <summary>Something that ends or changes socket authorization; sent to every instance by the backplane.</summary>
public sealed record RevocationSignal(
    RevocationKind Kind, string UserId, string? SessionId = null, string? StampHash = null, bool LockedOut = false, int RoomId = 0)
{
    public static RevocationSignal SignedOut(string userId, string sessionId) => new(RevocationKind.SignedOut, userId, SessionId: sessionId);

    public static RevocationSignal UserChanged(string userId, string stampHash, bool lockedOut) =>
        new(RevocationKind.UserChanged, userId, StampHash: stampHash, LockedOut: lockedOut);

    public static RevocationSignal UserDeleted(string userId) => new(RevocationKind.UserDeleted, userId);

    public static RevocationSignal RemovedFromRoom(int roomId, string userId) => new(RevocationKind.RemovedFromRoom, userId, RoomId: roomId);

    public static RevocationSignal InvitedToRoom(int roomId, string userId) => new(RevocationKind.InvitedToRoom, userId, RoomId: roomId);
}

/// <summary>
/// Applies a revocation in this process: forgets what was cached about the user or membership, and closes the sockets
/// whose authorization is gone, at once. Senders go through the backplane, so every instance applies it.
/// </summary>
public sealed class SocketRevocation(
    RoomConnectionRegistry registry, UserSecurityStates securityStates, RoomDirectory directory, ILogger<SocketRevocation> logger)
{
    public void Apply(RevocationSignal signal)
    {
        switch (signal.Kind)
        {
            case RevocationKind.SignedOut:
                Close(c => c.Grant.UserId == signal.UserId && c.Grant.SessionId == signal.SessionId, ChatCloseCodes.Unauthorized, "signed out");
                break;
            case RevocationKind.UserChanged:
                securityStates.Forget(signal.UserId);
                Close(c => c.Grant.UserId == signal.UserId && (signal.LockedOut || c.Grant.StampHash != signal.StampHash),
                    ChatCloseCodes.Unauthorized, signal.LockedOut ? "account locked out" : "security stamp changed");
                break;
            case RevocationKind.UserDeleted:
                securityStates.Forget(signal.UserId);
                Close(c => c.Grant.UserId == signal.UserId, ChatCloseCodes.Unauthorized, "account deleted");
                break;
            case RevocationKind.RemovedFromRoom:
                directory.ForgetMembership(signal.RoomId, signal.UserId);
                Close(c => c.RoomId == signal.RoomId && c.Grant.UserId == signal.UserId, ChatCloseCodes.Forbidden, "removed from room");
                break;
            case RevocationKind.InvitedToRoom:
                directory.ForgetMembership(signal.RoomId, signal.UserId);
                break;
        }
    }

    private void Close(Func<ChatConnection, bool> which, WebSocketCloseStatus code, string reason)
    {
        var closed = 0;
        foreach (var connection in registry.All)
        {
            if (!which(connection)) continue;
            connection.Close(code, reason);
            closed++;
        }
        if (closed > 0) logger.LogInformation("Closed {Count} sockets with {Code}: {Reason}", closed, (int)code, reason);
    }
}
