using System.Net.WebSockets;

namespace WebApp.Chat;

/// <summary>Close codes of our own (4000–4999 are for applications, RFC 6455 §7.4.2).</summary>
public static class ChatCloseCodes
{
    /// <summary>The socket's authorization ended (sign-out, expiry, password change…): get a new token and reconnect.</summary>
    public const WebSocketCloseStatus Unauthorized = (WebSocketCloseStatus)4001;

    /// <summary>The user may no longer be in this room: do not retry.</summary>
    public const WebSocketCloseStatus Forbidden = (WebSocketCloseStatus)4003;

    /// <summary>The client fell too far behind (RFC 6455 "Try Again Later").</summary>
    public const WebSocketCloseStatus TooSlow = (WebSocketCloseStatus)1013;
}
