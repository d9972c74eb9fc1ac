namespace WebApp.Chat;

/// <summary>Closes sockets whose authorization is gone, at once, wherever they are in this process.</summary>
public sealed class SocketRevocation(RoomConnectionRegistry registry, ILogger<SocketRevocation> logger)
{
    /// <summary>A browser session signed out: only the sockets opened from that session close.</summary>
    public void CloseSessionSockets(string userId, string sessionId) =>
        Close(c => c.Grant.UserId == userId && c.Grant.SessionId == sessionId, ChatCloseCodes.Unauthorized, "signed out");

    public void CloseUserSockets(string userId, string reason) =>
        Close(c => c.Grant.UserId == userId, ChatCloseCodes.Unauthorized, reason);

    /// <summary>After a change to the user: sockets opened before a security-stamp change, or by a locked-out user, close.</summary>
    public void CloseStaleSockets(string userId, string currentStampHash, bool lockedOut) =>
        Close(c => c.Grant.UserId == userId && (lockedOut || c.Grant.StampHash != currentStampHash),
            ChatCloseCodes.Unauthorized, lockedOut ? "account locked out" : "security stamp changed");

    public void CloseRoomMemberSockets(int roomId, string userId) =>
        Close(c => c.RoomId == roomId && c.Grant.UserId == userId, ChatCloseCodes.Forbidden, "removed from room");

    private void Close(Func<ChatConnection, bool> which, System.Net.WebSockets.WebSocketCloseStatus code, string reason)
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
