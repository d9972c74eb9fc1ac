using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace WebApp.Data;

/// <summary>
/// The app's data, on SQLite. Not sealed only so <see cref="PostgresDbContext"/> can carry PostgreSQL's own model
/// tweaks and migrations; everything else asks for this type.
/// </summary>
public class AppDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    /// <summary>The keys that protect cookies and antiforgery tokens, so sign-ins survive restarts.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Room> Rooms => Set<Room>();
    public DbSet<ChatMessage> Messages => Set<ChatMessage>();
    public DbSet<RoomMember> RoomMembers => Set<RoomMember>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<AppUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(AppUser.DisplayNameMaxLength);
            // No length limit on keys: NFKC can lengthen text (U+FDFA alone becomes 18 characters).
            user.HasIndex(u => u.NormalizedDisplayName);
        });

        builder.Entity<Room>(room =>
        {
            room.Property(r => r.Slug).HasMaxLength(Room.SlugMaxLength);
            room.Property(r => r.Name).HasMaxLength(Room.NameMaxLength);
            // One owner cannot have two rooms of the same name in any form; a null key (an old row) clashes with none.
            room.HasIndex(r => new { r.CreatedById, r.NormalizedName }).IsUnique();
            room.HasIndex(r => r.Slug).IsUnique();
            room.HasMany(r => r.Messages).WithOne(m => m.Room).HasForeignKey(m => m.RoomId);
            room.HasMany(r => r.Members).WithOne(m => m.Room).HasForeignKey(m => m.RoomId);
        });

        builder.Entity<RoomMember>(member =>
        {
            member.HasKey(m => new { m.RoomId, m.UserId });
            member.HasIndex(m => m.UserId);
            member.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ChatMessage>(message =>
        {
            message.Property(m => m.Text).HasMaxLength(ChatMessage.TextMaxLength);
            message.Property(m => m.AuthorName).HasMaxLength(AppUser.DisplayNameMaxLength);
            message.HasIndex(m => new { m.RoomId, m.Seq }).IsUnique();
            message.Property(m => m.ClientId).HasMaxLength(ChatMessage.ClientIdMaxLength);
            message.HasIndex(m => new { m.AuthorId, m.ClientId }).IsUnique().HasFilter("ClientId IS NOT NULL");
        });
    }
}
