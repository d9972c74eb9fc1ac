using System.Net.WebSockets;
using WebApp.Auth;

namespace WebApp.Chat;

/// <summary>
/// The chat's part of a revocation (<see cref="Revocations"/> calls it on every instance): forgets cached room
/// memberships, and closes at once the sockets whose authorization is gone.
/// </summary>
public sealed class SocketRevocation(LiveRooms rooms, RoomDirectory directory, IHostApplicationLifetime lifetime, ILogger<SocketRevocation> logger)
    : IRevocationListener
{
    public void OnRevoked(RevocationSignal signal)
    {
        switch (signal.Kind)
        {
            case RevocationKind.SignedOut:
                Close(c => c.Grant.UserId == signal.UserId && c.Grant.SessionId == signal.SessionId, ChatCloseCodes.Unauthorized, "signed out");
                break;
            case RevocationKind.UserChanged:
                Close(c => c.Grant.UserId == signal.UserId && (signal.LockedOut || c.Grant.StampHash != signal.StampHash),
                    ChatCloseCodes.Unauthorized, signal.LockedOut ? "account locked out" : "security stamp changed");
                if (signal.DisplayName is { } renamed) _ = RenameAsync(signal.UserId, renamed);
                break;
            case RevocationKind.UserDeleted:
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

    /// <summary>Off the signal's thread (listeners must not block): renders once per room with sockets here.</summary>
    private async Task RenameAsync(string userId, string displayName)
    {
        try
        {
            if (!lifetime.ApplicationStopping.IsCancellationRequested) await rooms.RenameAsync(userId, displayName);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Telling the rooms that user {UserId} was renamed failed", userId);
        }
    }

    private void Close(Func<ChatSession, bool> which, WebSocketCloseStatus code, string reason)
    {
        var closed = 0;
        foreach (var session in rooms.Sessions)
        {
            if (!which(session)) continue;
            session.Close(code, reason);
            closed++;
        }
        if (closed > 0) logger.LogInformation("Closed {Count} sockets with {Code}: {Reason}", closed, (int)code, reason);
    }
}
