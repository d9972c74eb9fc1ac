using System.Net.WebSockets;
using System.Text;

namespace WebApp.Tests.Infrastructure;

public static class SocketExtensions
{
    public static Task SendTextAsync(this WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, SiteClient.TimeoutToken());

    public static Task SendMessageAsync(this WebSocket socket, string text, string? clientId = null) =>
        socket.SendTextAsync(System.Text.Json.JsonSerializer.Serialize(new { text, clientId }));

    /// <summary>The next whole message, or the close status when the server closes instead.</summary>
    public static async Task<(string? Text, WebSocketCloseStatus? Close)> ReceiveAsync(this WebSocket socket, int timeoutSeconds = 10)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var message = new MemoryStream();
            var timeout = SiteClient.TimeoutToken(timeoutSeconds);
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, timeout);
                if (result.MessageType == WebSocketMessageType.Close) return (null, result.CloseStatus);
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                socket.Presence().Apply(text);
                return (text, null);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The next frame that is not a presence update or a rename (those arrive whenever someone comes, goes or renames
    /// themselves).
    /// </summary>
    public static async Task<string> ReceiveTextAsync(this WebSocket socket)
    {
        while (true)
        {
            var (text, close) = await socket.ReceiveAsync();
            Assert.True(text is not null, $"expected a message, but the server closed with {close}");
            if (!IsPresence(text!) && !IsRename(text!)) return text!;
        }
    }

    public static bool IsRename(string frame) => frame.StartsWith("<div class=\"author-renamed\"", StringComparison.Ordinal);

    /// <summary>Reads past any frames until the server closes, and returns the close status.</summary>
    public static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(this WebSocket socket)
    {
        while (true)
        {
            var (_, close) = await socket.ReceiveAsync();
            if (close is not null) return close;
        }
    }

    /// <summary>The sequence number of a message fragment (data-seq), or null for any other frame.</summary>
    public static long? SeqOf(string frame)
    {
        var match = System.Text.RegularExpressions.Regex.Match(frame, "^\\s*<article [^>]*data-seq=\"(\\d+)\"");
        return match.Success ? long.Parse(match.Groups[1].Value) : null;
    }

    /// <summary>The message id of a frame's article (<c>&lt;article id="m-12"</c>: 12); throws on any other frame.</summary>
    public static long IdOf(string frame) =>
        long.Parse(System.Text.RegularExpressions.Regex.Match(frame, "^\\s*<article id=\"m-(\\d+)\"").Groups[1].Value);

    /// <summary>The room event number of an edit or deletion frame (data-event-seq), or null (a posting carries data-seq).</summary>
    public static long? EventSeqOf(string frame) =>
        System.Text.RegularExpressions.Regex.Match(frame, "data-event-seq=\"(\\d+)\"") is { Success: true } match ? long.Parse(match.Groups[1].Value) : null;

    /// <summary>Sends a client frame serialized as JSON, e.g. <c>new { type = "delete", id }</c>.</summary>
    public static Task SendJsonAsync(this WebSocket socket, object frame) => socket.SendTextAsync(System.Text.Json.JsonSerializer.Serialize(frame));

    /// <summary>A presence frame of either kind: the whole list (<c>#presence</c>) or a change (<c>.presence-change</c>).</summary>
    public static bool IsPresence(string frame) => PresenceView.IsWholeList(frame) || PresenceView.IsChange(frame);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<WebSocket, PresenceView> Views = [];

    /// <summary>Who this socket has been told is online, from every presence frame it received so far.</summary>
    public static PresenceView Presence(this WebSocket socket) => Views.GetOrCreateValue(socket);

    /// <summary>Reads frames until this socket has been told that all of <paramref name="names"/> are online.</summary>
    public static Task WaitForPresenceAsync(this WebSocket socket, params string[] names) =>
        socket.WaitForPresenceAsync(view => names.All(view.Names.Contains), $"{string.Join(", ", names)} online");

    /// <summary>Reads frames until what this socket has been told about who is online meets <paramref name="condition"/>.</summary>
    public static async Task WaitForPresenceAsync(this WebSocket socket, Func<PresenceView, bool> condition, string expectation, int timeoutSeconds = 10)
    {
        var view = socket.Presence();
        while (!condition(view))
        {
            var (text, close) = await socket.ReceiveAsync(timeoutSeconds);
            Assert.True(text is not null, $"closed with {close} while waiting for {expectation}; told: {view}");
        }
    }
}
