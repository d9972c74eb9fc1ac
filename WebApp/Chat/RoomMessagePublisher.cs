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
    MessageWriter writer,
    RazorPartialRenderer renderer,
    RoomConnectionRegistry registry,
    IOptions<ChatOptions> options,
    ILogger<RoomMessagePublisher> logger)
{
    /// <summary>The fragment that tells a client it missed too much to be sent: reload the history instead.</summary>
    public const string ResyncElementId = "chat-resync";

    /// <summary>People coming and going within this long are announced together, once.</summary>
    private static readonly TimeSpan PresenceCoalescing = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Stores the message (durably, before anyone sees it), then sends it to the room in sequence order. Once a
    /// message is accepted it is stored and delivered even if its sender disconnects meanwhile, so nothing here
    /// observes the sender's cancellation.
    /// </summary>
    public async Task PublishAsync(ChatConnection sender, string text, string? clientId)
    {
        StoredMessage stored;
        try
        {
            stored = await writer.StoreAsync(new NewMessage(sender.RoomId, sender.Grant.UserId, sender.Grant.DisplayName, text, clientId));
        }
        catch (Exception e)
        {
            logger.LogError(e, "Message from user {UserId} in room {Room} was not stored", sender.Grant.UserId, sender.Grant.Room);
            sender.SendError("Your message could not be saved. Please send it again.");
            return;
        }

        byte[]? frame = null;
        try
        {
            frame = await RenderMessageAsync(stored.Message);
        }
        catch (Exception e)
        {
            // Stored but not renderable: the room must still move past it, and a reload shows the stored text.
            logger.LogError(e, "Message {Seq} in room {Room} could not be rendered", stored.Message.Seq, sender.Grant.Room);
        }
        if (stored.IsNew)
        {
            registry.Room(sender.RoomId).Deliver(stored.Message.Seq, frame);
        }
        else if (frame is not null)
        {
            // A resend of something already stored: acknowledge it to the sender again, tell nobody else.
            sender.TrySend(frame);
        }
    }

    /// <summary>
    /// Adds a socket to its room and sends it every message after <paramref name="afterSeq"/>, in order, before any
    /// live one. The room says up to which message it has delivered at the moment the socket is added: those are
    /// read from the database, everything later arrives live. Never both, never neither.
    /// </summary>
    public async Task JoinAsync(ChatConnection connection, long? afterSeq)
    {
        var room = registry.Room(connection.RoomId);
        connection.HoldLiveFrames();
        await using var db = await dbFactory.CreateDbContextAsync();
        if (!room.KnowsDeliveredSeq)
        {
            room.StartDeliveryAfter(await db.Rooms.Where(r => r.Id == connection.RoomId).Select(r => r.LastSeq).SingleAsync());
        }
        var (deliveredSeq, cameOnline) = room.Add(connection);
        // Presence goes through the held frames too, so this socket gets it after what it missed. Someone new is
        // announced to everyone (this socket included) shortly; a further tab of someone here gets the list now.
        if (cameOnline) SchedulePresenceAnnouncement(room);
        else await SendPresenceAsync(room, connection);

        if (afterSeq is { } after)
        {
            if (deliveredSeq - after > options.Value.MaxCatchUp || after > deliveredSeq)
            {
                await connection.SendMissedAsync(Encoding.UTF8.GetBytes(
                    $"<div id=\"{ResyncElementId}\" hx-swap-oob=\"true\" data-missed=\"{deliveredSeq - after}\"></div>"));
            }
            else if (deliveredSeq > after)
            {
                var missed = await db.Messages.AsNoTracking()
                    .Where(m => m.RoomId == connection.RoomId && m.Seq > after && m.Seq <= deliveredSeq)
                    .OrderBy(m => m.Seq)
                    .ToListAsync();
                foreach (var message in missed) await connection.SendMissedAsync(await RenderMessageAsync(message));
            }
        }
        connection.ReleaseLiveFrames();
    }

    public void Leave(ChatConnection connection)
    {
        var room = registry.Room(connection.RoomId);
        if (room.Remove(connection)) SchedulePresenceAnnouncement(room);
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
            try
            {
                await Task.Delay(PresenceCoalescing);
                Volatile.Write(ref room.AnnouncementPending, 0);
                await SendPresenceAsync(room, only: null);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Presence announcement failed");
            }
        }
    }

    private async Task SendPresenceAsync(RoomMembers room, ChatConnection? only)
    {
        var (version, names) = room.PresenceSnapshot();
        var frame = room.CachedPresence(version)
            ?? Encoding.UTF8.GetBytes(await renderer.RenderAsync(RazorPartialRenderer.PresencePartial, names));
        room.SendPresence(version, frame, only);
    }

    private async Task<byte[]> RenderMessageAsync(ChatMessage message) =>
        Encoding.UTF8.GetBytes(await renderer.RenderAsync(RazorPartialRenderer.MessagePartial, message));
}
