namespace WebApp.Data;

/// <summary>
/// Someone named in a message with <c>@Display Name</c>: where in the stored text (UTF-16 offsets, the <c>@</c>
/// included), so the mark survives later renames, and the message's room and posting number, so unread mentions are
/// counted without reading messages. Replaced on every edit, removed on deletion.
/// </summary>
public sealed class MessageMention
{
    public long MessageId { get; set; }
    public required string UserId { get; set; }
    public int RoomId { get; set; }

    /// <summary>The message's <see cref="ChatMessage.Seq"/>.</summary>
    public long Seq { get; set; }

    /// <summary>Offset of the <c>@</c> in <see cref="ChatMessage.Text"/>, in UTF-16 code units.</summary>
    public int Start { get; set; }

    /// <summary>Length of <c>@Name</c> in UTF-16 code units.</summary>
    public int Length { get; set; }
}
