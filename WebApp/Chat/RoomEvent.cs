using WebApp.Data;

namespace WebApp.Chat;

/// <summary>What a stored room event did.</summary>
public enum RoomEventKind
{
    Posted,
    Edited,
    Deleted,
}

/// <summary>
/// One numbered event of a room: a message posted, edited or deleted, with the message as it stands now (current
/// text, mentions, deletion). Events share the room's gap-free sequence (<see cref="Room.LastSeq"/>); a posting's
/// number is the message's <see cref="ChatMessage.Seq"/>, a change's is its <see cref="MessageChange.Seq"/>.
/// </summary>
public sealed record RoomEvent(long Seq, RoomEventKind Kind, ChatMessage Message);

/// <summary>Where <c>@Display Name</c> names someone in a text: UTF-16 offset and length of the whole mention, <c>@</c> included.</summary>
public readonly record struct MentionSpan(string UserId, int Start, int Length);

/// <summary>A change a person asked of a room, queued to <see cref="MessageWriter"/>.</summary>
public abstract record RoomCommand(int RoomId, string UserId);

/// <summary>Post a new message; <c>ClientId</c> makes a resend after a reconnect recognisable.</summary>
public sealed record PostMessage(int RoomId, string UserId, string AuthorName, string Text, string? ClientId, IReadOnlyList<MentionSpan> Mentions)
    : RoomCommand(RoomId, UserId);

/// <summary>Replace the text of one's own message.</summary>
public sealed record EditMessage(int RoomId, string UserId, long MessageId, string Text, IReadOnlyList<MentionSpan> Mentions)
    : RoomCommand(RoomId, UserId);

/// <summary>Delete a message: one's own, or any in the room when <c>AsRoomOwner</c>.</summary>
public sealed record DeleteMessage(int RoomId, string UserId, long MessageId, bool AsRoomOwner) : RoomCommand(RoomId, UserId);

/// <summary>Why an edit or deletion was refused.</summary>
public enum RoomCommandRefusal
{
    None,

    /// <summary>No such message in this room, or it is already deleted.</summary>
    NotFound,

    /// <summary>Someone else's message (edits: always; deletions: unless the room is yours).</summary>
    NotYours,
}

/// <summary>
/// The outcome of a <see cref="RoomCommand"/>: the stored event, or a refusal. <c>IsNew</c> is false for a resent
/// posting that was stored before (its event is the original).
/// </summary>
public sealed record RoomCommandResult(RoomEvent? Event, bool IsNew, RoomCommandRefusal Refusal)
{
    public static RoomCommandResult Refused(RoomCommandRefusal why) => new(null, false, why);
}
