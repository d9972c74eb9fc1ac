namespace WebApp.Data;

/// <summary>What a later room event did to a message.</summary>
public enum MessageChangeKind
{
    Edited = 1,
    Deleted = 2,
}

/// <summary>
/// A room event after a message's posting: an edit or a deletion. A room's events share one sequence
/// (<see cref="Room.LastSeq"/>): postings are the messages themselves (<see cref="ChatMessage.Seq"/>), every later
/// change to one of them is a row here, so a client that resumes after event N is sent both kinds in order.
/// </summary>
public sealed class MessageChange
{
    public int RoomId { get; set; }

    /// <summary>The event's number in the room's sequence (shared with postings, no gaps across both).</summary>
    public long Seq { get; set; }

    public long MessageId { get; set; }
    public ChatMessage? Message { get; set; }
    public MessageChangeKind Kind { get; set; }

    /// <summary>When it happened (UTC).</summary>
    public DateTime At { get; set; }
}
