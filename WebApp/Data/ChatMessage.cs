namespace WebApp.Data;

public sealed class ChatMessage
{
    public const int TextMaxLength = 2000;
    public const int ClientIdMaxLength = 64;

    public long Id { get; set; }
    public int RoomId { get; set; }
    public Room? Room { get; set; }

    /// <summary>
    /// The room event number of the message's posting: increasing within the room, with gaps where the room's later
    /// events (edits, deletions: <see cref="MessageChange"/>) took numbers.
    /// </summary>
    public long Seq { get; set; }

    public required string AuthorId { get; set; }

    /// <summary>The author's display name when the message was sent, so history never needs a join.</summary>
    public required string AuthorName { get; set; }

    /// <summary>The current text (after the last edit); empty once the message is deleted.</summary>
    public required string Text { get; set; }
    public DateTime SentAt { get; set; }

    /// <summary>When the text was last edited (UTC); null if never.</summary>
    public DateTime? EditedAt { get; set; }

    /// <summary>When the message was deleted (UTC); null while it stands. A deleted message keeps its row as a placeholder.</summary>
    public DateTime? DeletedAt { get; set; }

    public bool IsDeleted => DeletedAt is not null;

    /// <summary>The people named in the current text, by position; empty once deleted.</summary>
    public List<MessageMention> Mentions { get; set; } = [];

    /// <summary>
    /// The id the sender's page gave the message, so a resend after a reconnect is recognised and not stored twice.
    /// </summary>
    public string? ClientId { get; set; }
}
