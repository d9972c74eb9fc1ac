using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Threading.Channels;
using WebApp.Auth;

namespace WebApp.Chat;

/// <summary>
/// One open chat socket: a receive loop that hands whole frames to <see cref="ChatFrameHandler"/>, a single writer
/// loop that drains a bounded outbox (so a slow client only ever fills its own queue), and an authorization
/// deadline that closes the socket with 4001 unless a refresh moves it.
/// </summary>
public sealed class ChatConnection : IDisposable
{
    private readonly WebSocket _socket;
    private readonly ChatOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Channel<ReadOnlyMemory<byte>> _outbox;
    private readonly CancellationTokenSource _abort = new();
    private readonly ITimer _deadline;
    private readonly LazyTokenBucket _messages;
    private readonly LazyTokenBucket _strikes;
    private readonly Lock _holdLock = new();
    private List<ReadOnlyMemory<byte>>? _heldLiveFrames;
    private SocketGrant _grant;
    private int _closeRequested;
    private long _skipMessagesThrough;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";

    public ChatConnection(WebSocket socket, SocketGrant grant, RoomInfo room, ChatOptions options, TimeProvider clock, ILogger logger)
    {
        _socket = socket;
        _grant = grant;
        _options = options;
        _clock = clock;
        _logger = logger;
        RoomId = room.Id;
        _outbox = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(options.OutboundQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full instead of silently dropping
        });
        var now = clock.GetTimestamp();
        _messages = new LazyTokenBucket(options.RateLimit.Burst, options.RateLimit.MessagesPerSecond, now);
        _strikes = new LazyTokenBucket(options.RateLimit.RejectionsBeforeClose, 1, now);
        // Armed in RunAsync, where a deadline the timer cannot hold is a failure the run loop reports, not a dropped socket.
        _deadline = clock.CreateTimer(_ => Close(ChatCloseCodes.Unauthorized, "authorization expired"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The token this socket currently runs on; replaced by each accepted refresh.</summary>
    public SocketGrant Grant => Volatile.Read(ref _grant);

    public int RoomId { get; }

    public bool IsClosing => Volatile.Read(ref _closeRequested) != 0;

    /// <summary>Moves the authorization deadline to the new token's expiry.</summary>
    public void ExtendAuthorization(SocketGrant grant)
    {
        Volatile.Write(ref _grant, grant);
        _deadline.Change(TimeLeft(grant), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Takes one message from the rate budget; false means "too fast, reject this one".</summary>
    public bool TryTakeMessageToken() => _messages.TryTake(_clock.GetTimestamp(), _clock);

    /// <summary>Records a rejected message; false once the client has been rejected too often to be anything but a flood.</summary>
    public bool TryTakeStrike() => _strikes.TryTake(_clock.GetTimestamp(), _clock);

    /// <summary>Queues a frame without waiting; a client whose queue is full is closed rather than waited for.</summary>
    public bool TrySend(ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _heldLiveFrames) is not null && TryHold(frame)) return true;
        if (_outbox.Writer.TryWrite(frame)) return true;
        if (!IsClosing)
        {
            _logger.LogWarning("Closing socket of user {UserId} in room {Room}: outbound queue full", Grant.UserId, Grant.Room);
            Close(ChatCloseCodes.TooSlow, "too slow: messages backed up");
        }
        return false;
    }

    /// <summary>Queues a stored message, unless the client said it has already seen it.</summary>
    public bool TrySendMessage(long seq, ReadOnlyMemory<byte> frame) => seq <= Volatile.Read(ref _skipMessagesThrough) || TrySend(frame);

    /// <summary>The client has already shown every message up to <paramref name="seq"/>.</summary>
    public void SkipMessagesThrough(long seq) => Volatile.Write(ref _skipMessagesThrough, seq);

    /// <summary>
    /// While the socket is sent what it missed, live frames wait behind those (in arrival order) instead of
    /// overtaking them.
    /// </summary>
    public void HoldLiveFrames()
    {
        lock (_holdLock) _heldLiveFrames = [];
    }

    /// <summary>Queues a missed message, waiting for room in the outbox: catch-up may be longer than the queue.</summary>
    public async Task SendMissedAsync(ReadOnlyMemory<byte> frame)
    {
        try
        {
            await _outbox.Writer.WriteAsync(frame, _abort.Token);
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            // The socket closed during catch-up; nothing more to send.
        }
    }

    /// <summary>Sends the live frames held during catch-up, then lets new ones through directly.</summary>
    public void ReleaseLiveFrames()
    {
        // Broadcasts arriving meanwhile wait on the lock in TryHold, so none overtakes a held frame.
        lock (_holdLock)
        {
            foreach (var frame in _heldLiveFrames ?? [])
            {
                if (!_outbox.Writer.TryWrite(frame))
                {
                    Close(ChatCloseCodes.TooSlow, "too slow: messages backed up");
                    break;
                }
            }
            Volatile.Write(ref _heldLiveFrames, null);
        }
    }

    /// <returns>False when catch-up already ended, so the frame should go straight to the outbox.</returns>
    private bool TryHold(ReadOnlyMemory<byte> frame)
    {
        lock (_holdLock)
        {
            if (_heldLiveFrames is null) return false;
            if (_heldLiveFrames.Count >= _options.OutboundQueueCapacity)
            {
                Close(ChatCloseCodes.TooSlow, "too slow: messages backed up");
            }
            else
            {
                _heldLiveFrames.Add(frame);
            }
            return true;
        }
    }

    /// <summary>Ends the connection with a close frame sent after what is already queued; a stuck client is aborted.</summary>
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
    /// Runs the socket: arms the authorization deadline, runs <paramref name="join"/> (it may already send), then
    /// frames until it closes. A failure of our own along the way (anything but the peer going away) is logged as an
    /// error and closes the socket with 1011 (InternalServerError, RFC 6455 §7.4.1), so the client learns the server
    /// failed rather than seeing the connection drop (1006).
    /// </summary>
    public async Task RunAsync(Func<ChatConnection, Task> join, ChatFrameHandler handler, CancellationToken aborted)
    {
        using var link = aborted.Register(() => _abort.Cancel());
        var writer = WriteLoopAsync();
        try
        {
            _deadline.Change(TimeLeft(Grant), Timeout.InfiniteTimeSpan);
            await join(this);
            await ReceiveLoopAsync(handler);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            _logger.LogDebug("Socket of user {UserId} in room {Room} ended: {Error}", Grant.UserId, Grant.Room, e.Message);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Socket of user {UserId} in room {Room} failed; closing with 1011", Grant.UserId, Grant.Room);
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

    private async Task ReceiveLoopAsync(ChatFrameHandler handler)
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

                // What a frame means (and the answer to one that means nothing) is the handler's.
                await handler.HandleAsync(this, ClientFrame.Parse(buffer.AsSpan(0, length)), _abort.Token);
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

    private TimeSpan TimeLeft(SocketGrant grant)
    {
        var left = grant.ExpiresAt - _clock.GetUtcNow().UtcDateTime;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    public void Dispose()
    {
        _deadline.Dispose();
        _abort.Dispose();
    }

    /// <summary>
    /// A token bucket refilled from timestamps when asked, rather than by a timer per bucket
    /// (System.Threading.RateLimiting's auto-replenishing limiter), so thousands of idle sockets cost no CPU.
    /// Only the socket's own receive loop touches it.
    /// </summary>
    private sealed class LazyTokenBucket(int capacity, double perSecond, long startTimestamp)
    {
        private double _tokens = capacity;
        private long _lastTimestamp = startTimestamp;

        public bool TryTake(long now, TimeProvider clock)
        {
            _tokens = Math.Min(capacity, _tokens + clock.GetElapsedTime(_lastTimestamp, now).TotalSeconds * perSecond);
            _lastTimestamp = now;
            if (_tokens < 1) return false;
            _tokens--;
            return true;
        }
    }
}
