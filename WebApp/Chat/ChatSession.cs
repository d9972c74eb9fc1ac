using System.Globalization;
using System.Net.WebSockets;
using WebApp.Auth;

namespace WebApp.Chat;

/// <summary>
/// One person's open socket in one room, as the chat sees it: who (the token it runs on, replaced by each accepted
/// refresh), where, until when (an authorization deadline that closes the socket with 4001 unless a refresh moves
/// it), and its budgets (messages per second, rejections before 1008, typing signals). The bytes go through
/// <see cref="Connection"/>.
/// </summary>
public sealed class ChatSession : IDisposable
{
    private readonly TimeProvider _clock;
    private readonly ITimer _deadline;
    private readonly LazyTokenBucket _messages;
    private readonly LazyTokenBucket _strikes;
    private readonly TimeSpan _typingInterval;
    private readonly SemaphoreSlim _postSlots;
    private readonly int _maxPostsInFlight;
    private SocketGrant _grant;
    private string _displayName;
    private long _lastTypingAt;

    public ChatSession(ChatConnection connection, SocketGrant grant, RoomInfo room, ChatOptions options, TimeProvider clock)
    {
        Connection = connection;
        Room = room;
        _grant = grant;
        _displayName = grant.DisplayName;
        _clock = clock;
        _typingInterval = options.TypingInterval;
        _maxPostsInFlight = options.MaxPostsInFlight;
        _postSlots = new SemaphoreSlim(_maxPostsInFlight, _maxPostsInFlight);
        var now = clock.GetTimestamp();
        _lastTypingAt = now - (long)(_typingInterval.TotalSeconds * clock.TimestampFrequency) - 1;
        _messages = new LazyTokenBucket(options.RateLimit.Burst, options.RateLimit.MessagesPerSecond, now);
        _strikes = new LazyTokenBucket(options.RateLimit.RejectionsBeforeClose, 1, now);
        // Armed by StartAuthorizationDeadline, inside the socket's run, where a deadline the timer cannot hold is a
        // failure the run loop reports (1011), not a dropped socket.
        _deadline = clock.CreateTimer(_ => Close(ChatCloseCodes.Unauthorized, "authorization expired"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public ChatConnection Connection { get; }

    /// <summary>
    /// The language this socket's reader reads: the request culture of the upgrade (account, culture cookie,
    /// Accept-Language, else English). Every text sent to this socket alone, and the room's frames it gets, are in it.
    /// </summary>
    public CultureInfo Culture
    {
        get;
        init
        {
            field = value;
            CultureIndex = LocalizedFrame.IndexOf(value);
        }
    } = CultureInfo.GetCultureInfo(Localization.SiteCultures.Default);

    /// <summary><see cref="Culture"/> as an index into <see cref="Localization.SiteCultures.Names"/> (see <see cref="LocalizedFrame"/>).</summary>
    public int CultureIndex { get; private init; }

    public RoomInfo Room { get; }

    public int RoomId => Room.Id;

    /// <summary>The token this socket currently runs on; replaced by each accepted refresh.</summary>
    public SocketGrant Grant => Volatile.Read(ref _grant);

    /// <summary>The name the user shows now: the token's, or a newer one from a rename since (<see cref="Rename"/>).</summary>
    public string DisplayName => Volatile.Read(ref _displayName);

    /// <summary>The user changed their display name while this socket was open.</summary>
    public void Rename(string displayName) => Volatile.Write(ref _displayName, displayName);

    /// <summary>The room's owner may delete anyone's message in it.</summary>
    public bool IsRoomOwner => Room.OwnerId == Grant.UserId;

    /// <summary>For log lines: the user id and room slug, never a credential.</summary>
    public override string ToString() => $"user {Grant.UserId} in room {Grant.Room}";

    /// <summary>Arms the deadline at the current token's expiry (<c>exp</c>, RFC 7519 §4.1.4).</summary>
    public void StartAuthorizationDeadline() => _deadline.Change(TimeLeft(Grant), Timeout.InfiniteTimeSpan);

    /// <summary>Runs on <paramref name="grant"/> from now on and moves the deadline to its expiry.</summary>
    public void ExtendAuthorization(SocketGrant grant)
    {
        Volatile.Write(ref _grant, grant);
        Volatile.Write(ref _displayName, grant.DisplayName);
        _deadline.Change(TimeLeft(grant), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Takes one message (or edit) from the rate budget; false means "too fast, reject this one".</summary>
    public bool TryTakeMessageToken() => _messages.TryTake(_clock.GetTimestamp(), _clock);

    /// <summary>Records a rejected frame; false once the client has been rejected too often to be anything but a flood.</summary>
    public bool TryTakeStrike() => _strikes.TryTake(_clock.GetTimestamp(), _clock);

    /// <summary>
    /// Whether a typing signal should be passed on: false within <see cref="ChatOptions.TypingInterval"/> of the last
    /// one passed on (those are dropped silently, and are not strikes). Only the socket's receive loop calls it.
    /// </summary>
    public bool TryTyping()
    {
        var now = _clock.GetTimestamp();
        if (_clock.GetElapsedTime(_lastTypingAt, now) < _typingInterval) return false;
        _lastTypingAt = now;
        return true;
    }

    public void Close(WebSocketCloseStatus status, string reason) => Connection.Close(status, reason);

    /// <summary>
    /// Waits until fewer than <see cref="ChatOptions.MaxPostsInFlight"/> of this socket's messages are on their way to
    /// the database, and takes a place among them; give it back with <see cref="PostSettled"/>.
    /// </summary>
    public Task WaitForPostSlotAsync() => _postSlots.WaitAsync();

    /// <summary>A message taken with <see cref="WaitForPostSlotAsync"/> was stored and sent, or failed.</summary>
    public void PostSettled() => _postSlots.Release();

    /// <summary>
    /// Completes once none of this socket's messages is on its way any more (each was stored and sent, or failed), so
    /// the socket leaves its room only after everything it was sent has been dealt with.
    /// </summary>
    public async Task PostsSettledAsync()
    {
        for (var i = 0; i < _maxPostsInFlight; i++) await _postSlots.WaitAsync();
        _postSlots.Release(_maxPostsInFlight);
    }

    private TimeSpan TimeLeft(SocketGrant grant)
    {
        var left = grant.ExpiresAt - _clock.GetUtcNow().UtcDateTime;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    public void Dispose()
    {
        _deadline.Dispose();
        _postSlots.Dispose();
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
