namespace WebApp.Data;

/// <summary>How far one person has read a room: the highest event number their pages reported shown.</summary>
public sealed class RoomRead
{
    public required string UserId { get; set; }
    public int RoomId { get; set; }

    /// <summary>Room event number (<see cref="Room.LastSeq"/> scale); messages posted after it are unread.</summary>
    public long LastReadSeq { get; set; }
}
