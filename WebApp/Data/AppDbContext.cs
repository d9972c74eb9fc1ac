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
    public DbSet<MessageChange> MessageChanges => Set<MessageChange>();
    public DbSet<MessageMention> MessageMentions => Set<MessageMention>();
    public DbSet<RoomRead> RoomReads => Set<RoomRead>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<AppUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(AppUser.DisplayNameMaxLength);
            // No length limit on keys: NFKC can lengthen text (U+FDFA alone becomes 18 characters).
            // Unique: two people never show the same name (NULL, in rows older than the column, clashes with none).
            user.HasIndex(u => u.NormalizedDisplayName).IsUnique();
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
            message.Ignore(m => m.IsDeleted);
        });

        builder.Entity<MessageChange>(change =>
        {
            change.HasKey(c => new { c.RoomId, c.Seq });
            change.HasOne<Room>().WithMany().HasForeignKey(c => c.RoomId).OnDelete(DeleteBehavior.Cascade);
            change.HasOne(c => c.Message).WithMany().HasForeignKey(c => c.MessageId).OnDelete(DeleteBehavior.Cascade);
            change.HasIndex(c => c.MessageId);
        });

        builder.Entity<MessageMention>(mention =>
        {
            mention.HasKey(m => new { m.MessageId, m.UserId });
            mention.HasOne<ChatMessage>().WithMany(m => m.Mentions).HasForeignKey(m => m.MessageId).OnDelete(DeleteBehavior.Cascade);
            mention.HasOne<AppUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
            // Unread mentions: one person's, in one room, after a number.
            mention.HasIndex(m => new { m.UserId, m.RoomId, m.Seq });
        });

        builder.Entity<RoomRead>(read =>
        {
            read.HasKey(r => new { r.UserId, r.RoomId });
            read.HasOne<AppUser>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
            read.HasOne<Room>().WithMany().HasForeignKey(r => r.RoomId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
