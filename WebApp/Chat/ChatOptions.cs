using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>The chat's limits (section <c>Chat</c>); validated at start, so a bad value stops the site with the key's name.</summary>
public sealed class ChatOptions : IValidatableObject
{
    public const string Section = "Chat";

    /// <summary>Origins besides the site's own that may open sockets (e.g. "https://chat.example.com").</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Longest message text, in characters, after trimming.</summary>
    [Range(1, ChatMessage.TextMaxLength)]
    public int MaxMessageChars { get; set; } = ChatMessage.TextMaxLength;

    /// <summary>Largest client message, in bytes, however it is split into frames; larger closes with 1009.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Bytes of frames one socket may have waiting to be sent (behind what Kestrel and the kernel already hold). A
    /// socket further behind while most of its room keeps up is a slow consumer and is closed with 1013; when most of
    /// the room is behind, the server is, and the room's senders are slowed down instead (<see cref="BackpressureBytes"/>).
    /// </summary>
    [Range(16 * 1024, 1024L * 1024 * 1024)]
    public long OutboundQueueBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Bytes queued for a socket above which it counts as behind. While more than <see cref="BackpressureRoomPercent"/> of a room's sockets (two at least) are
    /// behind, the room stops reading its senders' sockets (TCP pushes back on the clients) until they catch up:
    /// latency stays bounded and nobody who keeps reading is dropped. Smaller than <see cref="OutboundQueueBytes"/>.
    /// </summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long BackpressureBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// The share of a room's sockets, in percent, that must be behind (<see cref="BackpressureBytes"/>) for the room to
    /// count as behind as a whole and hold its senders up; below it, a socket over <see cref="OutboundQueueBytes"/> is
    /// a slow consumer and is closed. Lower protects readers on a saturated client machine; higher lets fewer slow
    /// clients hold a room up.
    /// </summary>
    [Range(1, 100)]
    public int BackpressureRoomPercent { get; set; } = 10;

    /// <summary>
    /// Messages of one socket that may be on their way to the database at once: the socket's next message is read
    /// while earlier ones commit, so a busy sender fills the writer's batches instead of waiting a commit per message.
    /// Past this many the socket is not read until one is stored. Order is kept whatever the number: messages are
    /// queued for the writer in the order they were read.
    /// </summary>
    [Range(1, 1024)]
    public int MaxPostsInFlight { get; set; } = 16;

    /// <summary>Messages rendered on the room page, and per "load older" step (counted by message: <c>before=</c> takes an event number).</summary>
    [Range(1, 500)]
    public int HistorySize { get; set; } = 50;

    /// <summary>
    /// Renderings of rooms' latest history kept for the room page (the room page's <c>RoomHistoryCache</c>), one per room state
    /// and reader time zone, each about 60 KB at 50 messages; the least used go first.
    /// </summary>
    [Range(1, 1_000_000)]
    public int PageCacheEntries { get; set; } = 500;

    /// <summary>Most missed room events (postings, edits, deletions) a reconnecting client is sent; further behind, it is told to reload its history.</summary>
    [Range(1, 100_000)]
    public int MaxCatchUp { get; set; } = 500;

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a ping may go unanswered before the socket is dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a closing handshake or a stuck send may take before the socket is aborted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Open sockets one user may hold at once, across rooms and tabs; the next upgrade gets 429.</summary>
    [Range(1, 10_000)]
    public int MaxSocketsPerUser { get; set; } = 20;

    /// <summary>How long a client may take to send its upgrade request's headers.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Typing signals from one socket closer together than this are dropped silently; pages send one at most this
    /// often, and show "Name is typing…" a little longer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan TypingInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often read markers reported by pages are written to the database, at most.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan ReadMarkerFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    [ValidateObjectMembers]
    public MessageRateLimit RateLimit { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BackpressureBytes >= OutboundQueueBytes)
        {
            yield return new ValidationResult(
                $"Chat:BackpressureBytes ({BackpressureBytes}) must be smaller than Chat:OutboundQueueBytes ({OutboundQueueBytes}).",
                [nameof(BackpressureBytes), nameof(OutboundQueueBytes)]);
        }
    }
}

public sealed class MessageRateLimit
{
    [Range(1, 10_000)]
    public int MessagesPerSecond { get; set; } = 10;

    [Range(1, 100_000)]
    public int Burst { get; set; } = 20;

    /// <summary>Rejected messages a socket may rack up (one is forgiven per second) before it is closed with 1008.</summary>
    [Range(1, 100_000)]
    public int RejectionsBeforeClose { get; set; } = 30;
}
