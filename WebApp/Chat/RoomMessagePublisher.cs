using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>
/// Everything a room sends, in one order per room: stored messages (rendered once, the same bytes to every socket),
/// what a joining socket missed, and who is online.
/// </summary>
public sealed class RoomMessagePublisher(
    IDbContextFactory<AppDbContext> dbFactory,
    RazorPartialRenderer renderer,
    RoomConnectionRegistry registry,
    TimeProvider clock,
    IOptions<ChatOptions> options,
    ILogger<RoomMessagePublisher> logger)
{
    /// <summary>The fragment that tells a client it missed too much to be sent: reload the history instead.</summary>
    public const string ResyncElementId = "chat-resync";

    /// <summary>People coming and going within this long are announced together, once.</summary>
    private static readonly TimeSpan PresenceCoalescing = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// SQLite takes one writer at a time, and a writer that finds it busy retries by putting its thread to sleep
    /// (the profile showed a quarter of the time there). Rooms therefore queue for writing here, with an await.
    /// </summary>
    private readonly SemaphoreSlim _writer = new(1, 1);

    public async Task PublishAsync(ChatConnection sender, string text, string? clientId)
    {
        var room = registry.Room(sender.RoomId);
        // Once a message is accepted it is stored and delivered even if its sender disconnects meanwhile,
        // so nothing here observes the sender's cancellation.
        await room.Gate.WaitAsync();
        try
        {
            var (message, isNew) = await StoreAsync(sender, text, clientId);
            var frame = await RenderMessageAsync(message);
            if (!isNew)
            {
                // A resend of something already stored: acknowledge it to the sender again, tell nobody else.
                sender.TrySend(frame);
                return;
            }
            foreach (var connection in room.Connections) connection.TrySend(frame);
            logger.LogDebug("Message {Seq} in room {Room} sent to {Count} sockets", message.Seq, sender.Grant.Room, room.Connections.Length);
        }
        finally
        {
            room.Gate.Release();
        }
    }

    /// <summary>
    /// Adds a socket to its room and sends it every message after <paramref name="afterSeq"/>, in order, before any
    /// live one. Reading and registering happen under the room's gate, so each message is either in what was read
    /// or broadcast to this socket afterwards: never both, never neither.
    /// </summary>
    public async Task JoinAsync(ChatConnection connection, long? afterSeq)
    {
        var room = registry.Room(connection.RoomId);
        List<ChatMessage> missed = [];
        long? tooFarBehind = null;
        connection.HoldLiveFrames();
        await room.Gate.WaitAsync();
        try
        {
            if (afterSeq is { } after)
            {
                await using var db = await dbFactory.CreateDbContextAsync();
                var lastSeq = await db.Rooms.Where(r => r.Id == connection.RoomId).Select(r => r.LastSeq).SingleAsync();
                if (lastSeq - after > options.Value.MaxCatchUp || after > lastSeq)
                {
                    tooFarBehind = lastSeq - after;
                }
                else if (lastSeq > after)
                {
                    missed = await db.Messages.AsNoTracking()
                        .Where(m => m.RoomId == connection.RoomId && m.Seq > after)
                        .OrderBy(m => m.Seq)
                        .ToListAsync();
                }
            }
            // Presence goes through the held frames too, so this socket gets it after what it missed. Someone new
            // is announced to everyone (this socket included) shortly; a further tab of someone here gets the list now.
            if (room.Add(connection)) SchedulePresenceAnnouncement(room);
            else connection.TrySend(await PresenceFrameAsync(room));
        }
        finally
        {
            room.Gate.Release();
        }

        if (tooFarBehind is { } count)
        {
            await connection.SendMissedAsync(Encoding.UTF8.GetBytes(
                $"<div id=\"{ResyncElementId}\" hx-swap-oob=\"true\" data-missed=\"{count}\"></div>"));
        }
        foreach (var message in missed) await connection.SendMissedAsync(await RenderMessageAsync(message));
        connection.ReleaseLiveFrames();
    }

    public async Task LeaveAsync(ChatConnection connection)
    {
        var room = registry.Room(connection.RoomId);
        await room.Gate.WaitAsync();
        try
        {
            if (room.Remove(connection)) SchedulePresenceAnnouncement(room);
        }
        finally
        {
            room.Gate.Release();
        }
    }

    /// <summary>
    /// Announces who is online a moment after a change, once for however many changes came meanwhile: a room that
    /// a thousand people join at once renders and sends the list a few times, not a thousand.
    /// </summary>
    private void SchedulePresenceAnnouncement(RoomMembers room)
    {
        if (Interlocked.Exchange(ref room.AnnouncementPending, 1) == 1) return;
        _ = AnnounceLaterAsync();

        async Task AnnounceLaterAsync()
        {
            await Task.Delay(PresenceCoalescing);
            await room.Gate.WaitAsync();
            try
            {
                Volatile.Write(ref room.AnnouncementPending, 0);
                var frame = await PresenceFrameAsync(room);
                foreach (var connection in room.Connections) connection.TrySend(frame);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Presence announcement failed");
            }
            finally
            {
                room.Gate.Release();
            }
        }
    }

    /// <summary>Call with the room's gate held.</summary>
    private async Task<byte[]> PresenceFrameAsync(RoomMembers room) =>
        room.PresenceFrame ??= Encoding.UTF8.GetBytes(await renderer.RenderAsync(RazorPartialRenderer.PresencePartial, room.OnlineNames()));

    private async Task<byte[]> RenderMessageAsync(ChatMessage message) =>
        Encoding.UTF8.GetBytes(await renderer.RenderAsync(RazorPartialRenderer.MessagePartial, message));

    private async Task<(ChatMessage Message, bool IsNew)> StoreAsync(ChatConnection sender, string text, string? clientId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync();
        if (clientId is not null)
        {
            var earlier = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.AuthorId == sender.Grant.UserId && m.ClientId == clientId);
            if (earlier is not null) return (earlier, false);
        }

        await _writer.WaitAsync();
        try
        {
            return (await InsertAsync(db, sender, text, clientId, now), true);
        }
        finally
        {
            _writer.Release();
        }
    }

    private static async Task<ChatMessage> InsertAsync(AppDbContext db, ChatConnection sender, string text, string? clientId, DateTime now)
    {
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
            ClientId = clientId,
        };
        db.Messages.Add(message);
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return message;
    }
}
