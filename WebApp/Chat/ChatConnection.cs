using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace WebApp.Chat;

/// <summary>
/// The transport of one chat socket and nothing else: a receive loop that hands each whole text message to its
/// owner, a single writer loop that drains a bounded outbox (so a slow client only ever fills its own queue), and
/// the close handshake. What a frame means, who is speaking and which room it is are <see cref="ChatSession"/>'s and
/// <see cref="LiveRoom"/>'s.
/// </summary>
/// <remarks>
/// Our own code rather than a library's: this is the socket hot path (one outbox write per socket per broadcast, no
/// buffer held by an idle socket), measured in docs/performance.md.
/// </remarks>
public sealed class ChatConnection : IDisposable
{
    private readonly WebSocket _socket;
    private readonly ChatOptions _options;
    private readonly ILogger _logger;
    private readonly string _who;
    private readonly Channel<ReadOnlyMemory<byte>> _outbox;
    private readonly CancellationTokenSource _abort = new();
    private int _closeRequested;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";

    /// <param name="who">Says whose socket this is in log lines, e.g. "user 42 in room lobby" (never a credential).</param>
    public ChatConnection(WebSocket socket, ChatOptions options, ILogger logger, string who)
    {
        _socket = socket;
        _options = options;
        _logger = logger;
        _who = who;
        _outbox = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(options.OutboundQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full instead of silently dropping
        });
    }

    public bool IsClosing => Volatile.Read(ref _closeRequested) != 0;

    /// <summary>
    /// Queues a frame without waiting; a client whose queue is full (<see cref="ChatOptions.OutboundQueueCapacity"/>
    /// frames) is closed with 1013 rather than waited for.
    /// </summary>
    /// <returns>False when the frame was not queued (the socket is closing, or is closed now).</returns>
    public bool TrySend(ReadOnlyMemory<byte> frame)
    {
        if (_outbox.Writer.TryWrite(frame)) return true;
        if (!IsClosing)
        {
            _logger.LogWarning("Closing socket of {Who}: outbound queue full", _who);
            Close(ChatCloseCodes.TooSlow, "too slow: messages backed up");
        }
        return false;
    }

    /// <summary>Queues a frame, waiting for room in the outbox (catch-up may be longer than the queue); returns quietly once the socket closes.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> frame)
    {
        try
        {
            await _outbox.Writer.WriteAsync(frame, _abort.Token);
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            // The socket closed meanwhile; nothing more to send.
        }
    }

    /// <summary>Ends the connection with a close frame (RFC 6455 §5.5.1) sent after what is already queued; a stuck client is aborted after <see cref="ChatOptions.CloseTimeout"/>.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0) return;
        _closeStatus = status;
        _closeReason = reason;
        _outbox.Writer.TryComplete();
        try
        {
            _abort.CancelAfter(_options.CloseTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The connection already finished.
        }
    }

    /// <summary>
    /// Runs the socket: <paramref name="start"/> (it may already send), then hands every text message (at most
    /// <see cref="ChatOptions.MaxFrameBytes"/> UTF-8 bytes, however fragmented) to <paramref name="onMessage"/>, one at
    /// a time, until the socket closes. Binary messages close with 1003, larger ones with 1009. A failure of our own
    /// along the way (anything but the peer going away) is logged as an error and closes the socket with 1011
    /// (InternalServerError, RFC 6455 §7.4.1), so the client learns the server failed rather than seeing the
    /// connection drop (1006).
    /// </summary>
    public async Task RunAsync(Func<Task> start, Func<ReadOnlyMemory<byte>, CancellationToken, Task> onMessage, CancellationToken aborted)
    {
        using var link = aborted.Register(() => _abort.Cancel());
        var writer = WriteLoopAsync();
        try
        {
            await start();
            await ReceiveLoopAsync(onMessage);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            _logger.LogDebug("Socket of {Who} ended: {Error}", _who, e.Message);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Socket of {Who} failed; closing with 1011", _who);
            Close(WebSocketCloseStatus.InternalServerError, "internal error");
        }
        finally
        {
            Close(WebSocketCloseStatus.NormalClosure, "");
            await writer;
            await AwaitPeerCloseAsync();
        }
    }

    /// <summary>
    /// After our close frame, read until the peer's reply (briefly): closing the connection with its data unread
    /// would reset it, and the client could lose the close frame that tells it why.
    /// </summary>
    private async Task AwaitPeerCloseAsync()
    {
        if (_socket.State != WebSocketState.CloseSent) return;
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        using var timeout = new CancellationTokenSource(_options.CloseTimeout);
        try
        {
            while ((await _socket.ReceiveAsync(buffer.AsMemory(), timeout.Token)).MessageType != WebSocketMessageType.Close) { }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The peer is gone or silent; the socket is disposed either way.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task ReceiveLoopAsync(Func<ReadOnlyMemory<byte>, CancellationToken, Task> onMessage)
    {
        while (!IsClosing)
        {
            // Wait for the next frame with no buffer at all, so an idle socket holds none; rent one only to read it.
            var first = await _socket.ReceiveAsync(Memory<byte>.Empty, _abort.Token);
            if (first.MessageType == WebSocketMessageType.Close) return;
            if (first.MessageType == WebSocketMessageType.Binary)
            {
                Close(WebSocketCloseStatus.InvalidMessageType, "binary frames are not accepted");
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(_options.MaxFrameBytes);
            try
            {
                var length = 0;
                var result = first;
                while (!result.EndOfMessage)
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
                await onMessage(buffer.AsMemory(0, length), _abort.Token);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
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

    public void Dispose() => _abort.Dispose();
}
