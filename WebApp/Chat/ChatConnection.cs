using System.Buffers;
using System.Net.WebSockets;

namespace WebApp.Chat;

/// <summary>
/// The transport of one chat socket and nothing else: a receive loop that hands each whole text message to its
/// owner, an outbound queue measured in bytes, and the close handshake. What a frame means, who is speaking and which
/// room it is are <see cref="ChatSession"/>'s and <see cref="LiveRoom"/>'s; what to do about a socket that falls
/// behind is the room's (<see cref="BehindChanged"/>).
/// </summary>
/// <remarks>
/// Our own code rather than a library's: this is the socket hot path, measured in docs/performance.md. A frame is
/// written inline, by the caller, when nothing is in flight on the socket (the send then usually completes
/// synchronously into Kestrel's output pipe); only when a send does not complete at once are later frames queued, and
/// one drain loop writes them in order. No task, channel or allocation per frame on the inline path; no buffer held
/// by an idle socket.
/// </remarks>
public sealed class ChatConnection : IDisposable
{
    /// <summary>How long a connection the WebSocket refused is kept before it is torn down, so its close frame is read first.</summary>
    private static readonly TimeSpan ProtocolErrorLinger = TimeSpan.FromMilliseconds(200);

    private readonly WebSocket _socket;
    private readonly ChatOptions _options;
    private readonly ILogger _logger;
    private readonly string _who;
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenRegistration _abortSends;
    private readonly TaskCompletionSource _sendSideDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Everything below is guarded by _gate.
    private readonly Lock _gate = new();
    private Queue<ReadOnlyMemory<byte>>? _queue;
    private long _queuedBytes;
    private bool _sending;
    private bool _closing;
    private TaskCompletionSource? _queueShrank;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";

    /// <summary>When the send now in flight began without completing at once (<see cref="Environment.TickCount64"/>, ms); 0 when none is waiting.</summary>
    private long _stalledSince;

    /// <param name="who">Says whose socket this is in log lines, e.g. "user 42 in room lobby" (never a credential).</param>
    public ChatConnection(WebSocket socket, ChatOptions options, ILogger logger, string who)
    {
        _socket = socket;
        _options = options;
        _logger = logger;
        _who = who;
        // Sends take no token (a cancellable send registers a callback per frame); an abort fails them instead.
        _abortSends = _abort.Token.UnsafeRegister(static s => ((WebSocket)s!).Abort(), socket);
    }

    public bool IsClosing
    {
        get { lock (_gate) return _closing; }
    }

    /// <summary>Bytes of frames waiting behind the one in flight (not yet handed to the socket).</summary>
    public long QueuedBytes
    {
        get { lock (_gate) return _queuedBytes; }
    }

    /// <summary>
    /// How long the send in flight has been waiting for the peer (its TCP window and Kestrel's output pipe full), or
    /// zero when the socket is keeping up.
    /// </summary>
    public TimeSpan StalledFor()
    {
        var since = Volatile.Read(ref _stalledSince);
        return since == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Environment.TickCount64 - since);
    }

    /// <summary>
    /// Called with true when <see cref="QueuedBytes"/> rises above <see cref="ChatOptions.BackpressureBytes"/>, and
    /// with false when it falls back to it or below; set by the room before the socket joins. Called under the
    /// connection's lock: it must not call back into this connection.
    /// </summary>
    public Action<bool>? BehindChanged { get; set; }

    /// <summary>
    /// Sends a frame now when nothing is in flight, else queues it behind what is; never waits and never refuses for
    /// a long queue (the room decides what a long queue means).
    /// </summary>
    /// <returns>False when the socket is closing or closed, so the frame will never be sent.</returns>
    public bool TrySend(ReadOnlyMemory<byte> frame) => TrySend(frame, out _);

    /// <inheritdoc cref="TrySend(ReadOnlyMemory{byte})"/>
    /// <param name="queuedBytes">Bytes waiting behind the send in flight once this frame is sent or queued.</param>
    public bool TrySend(ReadOnlyMemory<byte> frame, out long queuedBytes)
    {
        lock (_gate)
        {
            queuedBytes = _queuedBytes;
            if (_closing) return false;
            if (_sending)
            {
                Enqueue(frame);
                queuedBytes = _queuedBytes;
                return true;
            }
            _sending = true;
        }
        SendInline(frame);
        return true;
    }

    /// <summary>
    /// Sends or queues a frame, then waits while the queue is over <see cref="ChatOptions.BackpressureBytes"/>: for a
    /// long catch-up, which must not outrun the client. Returns quietly once the socket closes.
    /// </summary>
    public Task SendAsync(ReadOnlyMemory<byte> frame)
    {
        if (!TrySend(frame)) return Task.CompletedTask;
        lock (_gate)
        {
            if (_closing || _queuedBytes <= _options.BackpressureBytes) return Task.CompletedTask;
            return (_queueShrank ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Ends the connection with a close frame (RFC 6455 §5.5.1) sent after what is already queued; a stuck client is aborted after <see cref="ChatOptions.CloseTimeout"/>.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        TaskCompletionSource? waiting;
        bool startClosing;
        lock (_gate)
        {
            if (_closing) return;
            _closing = true;
            _closeStatus = status;
            _closeReason = reason;
            waiting = _queueShrank;
            _queueShrank = null;
            startClosing = !_sending;
            _sending = true;
        }
        waiting?.TrySetResult();
        try
        {
            _abort.CancelAfter(_options.CloseTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The connection already finished.
        }
        if (startClosing) _ = DrainAsync(ValueTask.CompletedTask);
    }

    private void Enqueue(ReadOnlyMemory<byte> frame)
    {
        (_queue ??= new Queue<ReadOnlyMemory<byte>>()).Enqueue(frame);
        var before = _queuedBytes;
        _queuedBytes += frame.Length;
        if (before <= _options.BackpressureBytes && _queuedBytes > _options.BackpressureBytes) BehindChanged?.Invoke(true);
    }

    /// <summary>Writes on the caller's thread; hands over to the drain loop only when the send does not complete at once.</summary>
    private void SendInline(ReadOnlyMemory<byte> frame)
    {
        ValueTask send;
        try
        {
            send = _socket.SendAsync(frame, WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage, CancellationToken.None);
        }
        catch (Exception e)
        {
            send = ValueTask.FromException(e);
        }
        if (send.IsCompletedSuccessfully)
        {
            send.GetAwaiter().GetResult();
            lock (_gate)
            {
                if (_queue is not { Count: > 0 } && !_closing)
                {
                    _sending = false;
                    return;
                }
            }
        }
        _ = DrainAsync(send);
    }

    /// <summary>
    /// Waits for the send in flight, then writes whatever queued meanwhile, in order, until the queue is empty; after
    /// a close, sends the close frame last. The only writer while it runs.
    /// </summary>
    private async Task DrainAsync(ValueTask inFlight)
    {
        try
        {
            if (!inFlight.IsCompleted)
            {
                Volatile.Write(ref _stalledSince, Math.Max(1, Environment.TickCount64));
            }
            await inFlight;
            while (true)
            {
                ReadOnlyMemory<byte> next;
                TaskCompletionSource? shrank = null;
                lock (_gate)
                {
                    Volatile.Write(ref _stalledSince, 0);
                    if (_queue is not { Count: > 0 })
                    {
                        if (!_closing)
                        {
                            _sending = false;
                            return;
                        }
                        break;
                    }
                    next = _queue.Dequeue();
                    var before = _queuedBytes;
                    _queuedBytes -= next.Length;
                    if (before > _options.BackpressureBytes && _queuedBytes <= _options.BackpressureBytes)
                    {
                        BehindChanged?.Invoke(false);
                        shrank = _queueShrank;
                        _queueShrank = null;
                    }
                }
                shrank?.TrySetResult();
                var send = _socket.SendAsync(next, WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage, CancellationToken.None);
                if (!send.IsCompletedSuccessfully)
                {
                    Volatile.Write(ref _stalledSince, Math.Max(1, Environment.TickCount64));
                }
                await send;
            }
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, _abort.Token);
            }
            _sendSideDone.TrySetResult();
        }
        catch (Exception e)
        {
            // The peer went away, stopped reading past the close timeout, or the socket failed: nothing more can be
            // sent, so nothing more is taken.
            _logger.LogDebug("Sending to {Who} ended: {Error}", _who, e.Message);
            TaskCompletionSource? waiting;
            lock (_gate)
            {
                _closing = true;
                _queue = null;
                if (_queuedBytes > _options.BackpressureBytes) BehindChanged?.Invoke(false);
                _queuedBytes = 0;
                waiting = _queueShrank;
                _queueShrank = null;
            }
            waiting?.TrySetResult();
            // A socket the WebSocket closed itself (e.g. 1007 for bad UTF-8) refuses sends: it is closing, not stuck,
            // and aborting it would reset the connection before the client read that close frame.
            if (_socket.State is not WebSocketState.CloseSent) _socket.Abort();
            _sendSideDone.TrySetResult();
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
        try
        {
            await start();
            await ReceiveLoopAsync(onMessage);
        }
        catch (WebSocketException e) when (e.WebSocketErrorCode != WebSocketError.ConnectionClosedPrematurely && _socket.State == WebSocketState.Aborted)
        {
            // The WebSocket refused the peer's frame (e.g. 1007 for bad UTF-8, RFC 6455 §8.1) with a close frame and
            // aborted: tearing the connection down at once can reset it before the peer has read why. Linger briefly.
            _logger.LogInformation("Socket of {Who} refused by the WebSocket protocol: {Error}", _who, e.Message);
            await Task.Delay(TimeSpan.FromTicks(Math.Min(_options.CloseTimeout.Ticks, ProtocolErrorLinger.Ticks)), CancellationToken.None);
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
            await _sendSideDone.Task;
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

    public void Dispose()
    {
        _abortSends.Dispose();
        _abort.Dispose();
    }
}
