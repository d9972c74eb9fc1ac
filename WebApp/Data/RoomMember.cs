namespace WebApp.Data;

/// <summary>Someone the owner let into a private room (the owner is always in and has no row).</summary>
public sealed class RoomMember
{
    public int RoomId { get; set; }
    public Room? Room { get; set; }
    public required string UserId { get; set; }
    public AppUser? User { get; set; }
    public DateTime AddedAt { get; set; }
}
