using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Threading.Channels;
using WebApp.Auth;

namespace WebApp.Chat;

/// <summary>
/// One open chat socket: a receive loop that turns frames into messages, and a single writer loop that drains
/// a bounded outbox, so a slow client only ever fills its own queue and never delays the room.
/// </summary>
public sealed class ChatConnection
{
    private readonly WebSocket _socket;
    private readonly ChatOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<ReadOnlyMemory<byte>> _outbox;
    private readonly CancellationTokenSource _abort = new();
    private int _closeRequested;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";

    public ChatConnection(WebSocket socket, SocketGrant grant, int roomId, ChatOptions options, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _logger = logger;
        Grant = grant;
        RoomId = roomId;
        _outbox = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(options.OutboundQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full instead of silently dropping
        });
    }

    public SocketGrant Grant { get; }
    public int RoomId { get; }

    /// <summary>Queues a frame without waiting; a client whose queue is full is closed rather than waited for.</summary>
    public bool TrySend(ReadOnlyMemory<byte> frame)
    {
        if (_outbox.Writer.TryWrite(frame)) return true;
        if (Volatile.Read(ref _closeRequested) == 0)
        {
            _logger.LogWarning("Closing socket of user {UserId} in room {Room}: outbound queue full", Grant.UserId, Grant.Room);
            Close((WebSocketCloseStatus)1013, "too slow: messages backed up");
        }
        return false;
    }

    /// <summary>Ends the connection with a close frame sent after what is already queued; a stuck client is aborted.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0) return;
        _closeStatus = status;
        _closeReason = reason;
        _outbox.Writer.TryComplete();
        _abort.CancelAfter(_options.CloseTimeout);
    }

    public void SendError(string message) =>
        TrySend(Encoding.UTF8.GetBytes(
            $"<div id=\"chat-error\" class=\"chat-error\" role=\"alert\" hx-swap-oob=\"true\">{HtmlEncoder.Default.Encode(message)}</div>"));

    public async Task RunAsync(Func<ChatConnection, string, Task> onMessage, CancellationToken aborted)
    {
        using var link = aborted.Register(() => _abort.Cancel());
        var writer = WriteLoopAsync();
        try
        {
            await ReceiveLoopAsync(onMessage);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            _logger.LogDebug("Socket of user {UserId} in room {Room} ended: {Error}", Grant.UserId, Grant.Room, e.Message);
        }
        finally
        {
            Close(WebSocketCloseStatus.NormalClosure, "");
            await writer;
            _abort.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(Func<ChatConnection, string, Task> onMessage)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_options.MaxFrameBytes);
        try
        {
            while (Volatile.Read(ref _closeRequested) == 0)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == _options.MaxFrameBytes)
                    {
                        Close(WebSocketCloseStatus.MessageTooBig, $"message over {_options.MaxFrameBytes} bytes");
                        return;
                    }
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length, _options.MaxFrameBytes - length), _abort.Token);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    Close(WebSocketCloseStatus.InvalidMessageType, "binary frames are not accepted");
                    return;
                }

                var frame = ClientFrame.Parse(buffer.AsSpan(0, length));
                if (frame is null)
                {
                    SendError("That message could not be read (expected JSON like {\"text\": \"hello\"}).");
                    continue;
                }
                if (frame.Type is not (null or "message"))
                {
                    SendError($"Unknown message type \"{frame.Type}\".");
                    continue;
                }
                var text = frame.Text?.Trim() ?? "";
                if (text.Length == 0)
                {
                    SendError("Write something first.");
                    continue;
                }
                if (text.Length > _options.MaxMessageChars)
                {
                    SendError($"Messages can be at most {_options.MaxMessageChars} characters ({text.Length} sent).");
                    continue;
                }
                await onMessage(this, text);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var frame in _outbox.Reader.ReadAllAsync(_abort.Token))
            {
                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, _abort.Token);
            }
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, _abort.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The peer went away or stopped reading; the socket is aborted and the receive loop ends with it.
            _socket.Abort();
        }
    }
}
