using System.Text;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>Stores a message, then renders it once and queues the same bytes to every socket in the room.</summary>
public sealed class RoomMessagePublisher(
    IDbContextFactory<AppDbContext> dbFactory,
    MessageHtmlRenderer renderer,
    RoomConnectionRegistry registry,
    TimeProvider clock,
    ILogger<RoomMessagePublisher> logger)
{
    public async Task PublishAsync(ChatConnection sender, string text)
    {
        var room = registry.Room(sender.RoomId);
        // Once a message is accepted it is stored and delivered even if its sender disconnects meanwhile,
        // so nothing here observes the sender's cancellation.
        await room.PublishGate.WaitAsync();
        try
        {
            var message = await StoreAsync(sender, text);
            var frame = Encoding.UTF8.GetBytes(await renderer.RenderAsync(message));
            foreach (var connection in room.Connections)
            {
                connection.TrySend(frame);
            }
            logger.LogDebug("Message {Seq} in room {Room} sent to {Count} sockets", message.Seq, sender.Grant.Room, room.Connections.Length);
        }
        finally
        {
            room.PublishGate.Release();
        }
    }

    private async Task<ChatMessage> StoreAsync(ChatConnection sender, string text)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync();
        await using var transaction = await db.Database.BeginTransactionAsync();

        // Claiming the next sequence number and storing the message commit together, so sequences have no gaps.
        var seq = (await db.Database
            .SqlQuery<long>($"UPDATE Rooms SET LastSeq = LastSeq + 1, LastMessageAt = {now} WHERE Id = {sender.RoomId} RETURNING LastSeq AS Value")
            .ToListAsync()).Single();

        var message = new ChatMessage
        {
            RoomId = sender.RoomId,
            Seq = seq,
            AuthorId = sender.Grant.UserId,
            AuthorName = sender.Grant.DisplayName,
            Text = text,
            SentAt = now,
        };
        db.Messages.Add(message);
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return message;
    }
}
