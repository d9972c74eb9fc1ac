namespace WebApp.Data;

public sealed class ChatMessage
{
    public const int TextMaxLength = 2000;
    public const int ClientIdMaxLength = 64;

    public long Id { get; set; }
    public int RoomId { get; set; }
    public Room? Room { get; set; }

    /// <summary>Position in the room's history: 1, 2, 3… with no gaps.</summary>
    public long Seq { get; set; }

    public required string AuthorId { get; set; }

    /// <summary>The author's display name when the message was sent, so history never needs a join.</summary>
    public required string AuthorName { get; set; }

    public required string Text { get; set; }
    public DateTime SentAt { get; set; }

    /// <summary>
    /// The id the sender's page gave the message, so a resend after a reconnect is recognised and not stored twice.
    /// </summary>
    public string? ClientId { get; set; }
}
