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
    IRoomEventBus bus,
    IPresenceStore presence,
    ChatMetrics metrics,
    TimeProvider clock,
    IOptions<ChatOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<RoomMessagePublisher> logger) : IRoomEventSubscriber, IPresenceSubscriber
{
    /// <summary>People coming and going within this long are announced together, once.</summary>
    private static readonly TimeSpan PresenceCoalescing = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a room waits for a message that is missing from its sequence (another instance stored it and has not
    /// been heard from) before reading it from the database. Locally it is only ever a render still running.
    /// </summary>
    private static readonly TimeSpan GapPatience = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Stores the message (durably, before anyone sees it), then sends it to the room in sequence order. Once a
    /// message is accepted it is stored and delivered even if its sender disconnects meanwhile, so nothing here
    /// observes the sender's cancellation.
    /// </summary>
    public async Task PublishAsync(ChatConnection sender, string text, string? clientId)
    {
        var received = clock.GetTimestamp();
        StoredMessage stored;
        try
        {
            stored = await writer.StoreAsync(new NewMessage(sender.RoomId, sender.Grant.UserId, sender.Grant.DisplayName, text, clientId));
        }
        catch (Exception e)
        {
            logger.LogError(e, "Message from user {UserId} in room {Room} was not stored", sender.Grant.UserId, sender.Grant.Room);
            sender.TrySend(await renderer.RenderFrameAsync(RazorPartialRenderer.ErrorPartial, "Your message could not be saved. Please send it again."));
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
            Deliver(sender.RoomId, registry.Room(sender.RoomId), stored.Message.Seq, frame);
            metrics.MessageBroadcast(clock.GetElapsedTime(received));
            // Returns at once: this socket reads its next frame without waiting for the other instances.
            if (frame is not null) PublishToOtherInstances(sender.RoomId, stored.Message.Seq, frame);
        }
        else if (frame is not null)
        {
            // A resend of something already stored: acknowledge it to the sender again, tell nobody else.
            sender.TrySend(frame);
        }
    }

    /// <summary>A message another instance stored, for the rooms this one has sockets in.</summary>
    public void OnRemoteMessage(int roomId, long seq, byte[] frame)
    {
        if (registry.TryGetRoom(roomId) is { } room) Deliver(roomId, room, seq, frame);
    }

    /// <summary>
    /// Sends each room with sockets here whatever the database has that the room has not been sent, e.g. what other
    /// instances stored while the event bus was unreachable.
    /// </summary>
    public async Task OnBusRestoredAsync()
    {
        foreach (var (roomId, room) in registry.Rooms)
        {
            if (!room.Connections.IsEmpty) await DeliverFromDatabaseAsync(roomId, room, await LastStoredSeqAsync(roomId));
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
        if (room.Connections.IsEmpty) room.StartDeliveryAfter(await LastStoredSeqAsync(connection.RoomId));
        var (deliveredSeq, cameOnline) = room.Add(connection);
        // Presence goes through the held frames too, so this socket gets it after what it missed. Someone new is
        // announced to everyone (this socket included) shortly; a further tab of someone here gets the list now.
        if (cameOnline) SchedulePresenceAnnouncement(connection.RoomId, room);
        else await SendPresenceAsync(connection.RoomId, room, connection);

        if (afterSeq is { } after)
        {
            if (after > deliveredSeq && after <= await LastStoredSeqAsync(connection.RoomId))
            {
                // The client has seen messages this instance has not delivered yet (on another instance, or just
                // committed here): nothing to catch up, and those must not reach it twice when they arrive.
                connection.SkipMessagesThrough(after);
            }
            else if (deliveredSeq - after > options.Value.MaxCatchUp || after > deliveredSeq)
            {
                await connection.SendMissedAsync(await renderer.RenderFrameAsync(RazorPartialRenderer.ResyncPartial, deliveredSeq - after));
            }
            else if (deliveredSeq > after)
            {
                foreach (var message in await StoredMessagesAsync(connection.RoomId, after, deliveredSeq))
                {
                    await connection.SendMissedAsync(await RenderMessageAsync(message));
                }
            }
        }
        connection.ReleaseLiveFrames();
    }

    private void Deliver(int roomId, LiveRoom room, long seq, byte[]? frame)
    {
        if (room.Deliver(seq, frame)) ScheduleGapFill(roomId, room);
    }

    private void PublishToOtherInstances(int roomId, long seq, byte[] frame)
    {
        try
        {
            bus.Publish(roomId, seq, frame);
        }
        catch (Exception e)
        {
            // This instance's sockets have it; the others read it from the database once they notice the gap.
            logger.LogError(e, "Message {Seq} in room {RoomId} was not published to the other instances", seq, roomId);
        }
    }

    private void ScheduleGapFill(int roomId, LiveRoom room) =>
        room.GapFill.Request(GapPatience, async () =>
        {
            if (room.MissingBefore() is { } next) await DeliverFromDatabaseAsync(roomId, room, next - 1);
        }, e => logger.LogError(e, "Filling a gap in room {RoomId} failed", roomId), lifetime.ApplicationStopping);

    /// <summary>Delivers the stored messages after the room's delivered sequence, up to <paramref name="upToSeq"/>.</summary>
    private async Task DeliverFromDatabaseAsync(int roomId, LiveRoom room, long upToSeq)
    {
        var from = room.DeliveredSeq;
        if (upToSeq <= from) return;
        logger.LogInformation("Room {RoomId}: delivering messages {From}-{To} from the database", roomId, from + 1, upToSeq);
        foreach (var message in await StoredMessagesAsync(roomId, from, upToSeq))
        {
            Deliver(roomId, room, message.Seq, await RenderMessageAsync(message));
        }
    }

    /// <summary>A room's stored messages after <paramref name="afterSeq"/> up to <paramref name="upToSeq"/>, in order.</summary>
    private async Task<List<ChatMessage>> StoredMessagesAsync(int roomId, long afterSeq, long upToSeq)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Messages.AsNoTracking()
            .Where(m => m.RoomId == roomId && m.Seq > afterSeq && m.Seq <= upToSeq)
            .OrderBy(m => m.Seq)
            .ToListAsync();
    }

    /// <summary>
    /// Where the room stands: what this instance has delivered while it has sockets there (anything later reaches
    /// a new socket), else the newest stored.
    /// </summary>
    public async Task<long> CurrentSeqAsync(int roomId) =>
        registry.TryGetRoom(roomId) is { Connections.IsEmpty: false } room ? room.DeliveredSeq : await LastStoredSeqAsync(roomId);

    /// <summary>The room's newest stored sequence number.</summary>
    public async Task<long> LastStoredSeqAsync(int roomId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Rooms.Where(r => r.Id == roomId).Select(r => r.LastSeq).SingleAsync();
    }

    public void Leave(ChatConnection connection)
    {
        var room = registry.Room(connection.RoomId);
        if (room.Remove(connection)) SchedulePresenceAnnouncement(connection.RoomId, room);
    }

    /// <summary>
    /// Announces who is online a moment after a change, once for however many changes came meanwhile: a room that
    /// a thousand people join at once renders and sends the list a few times, not a thousand.
    /// </summary>
    private void SchedulePresenceAnnouncement(int roomId, LiveRoom room) =>
        room.PresenceAnnouncement.Request(PresenceCoalescing, async () =>
        {
            await presence.ShareAsync(roomId);
            await SendPresenceAsync(roomId, room, only: null);
        }, e => logger.LogError(e, "Presence announcement in room {RoomId} failed", roomId), lifetime.ApplicationStopping);

    /// <summary>Back on the presence store: share this instance's people in every room again, and refresh every list here.</summary>
    public async Task OnStoreRestoredAsync()
    {
        foreach (var (roomId, room) in registry.Rooms)
        {
            if (room.Connections.IsEmpty) continue;
            await presence.ShareAsync(roomId);
            await OnPresenceChangedAsync(roomId);
        }
    }

    /// <summary>Someone came or went on another instance.</summary>
    public async Task OnPresenceChangedAsync(int roomId)
    {
        if (registry.TryGetRoom(roomId) is not { Connections.IsEmpty: false } room) return;
        room.MarkPresenceChanged();
        await SendPresenceAsync(roomId, room, only: null);
    }

    private async Task SendPresenceAsync(int roomId, LiveRoom room, ChatConnection? only)
    {
        var version = room.PresenceVersion;
        var frame = room.CachedPresence(version)
            ?? Encoding.UTF8.GetBytes(await renderer.RenderAsync(RazorPartialRenderer.PresencePartial, await presence.OnlineNamesAsync(roomId)));
        room.SendPresence(version, frame, only);
    }

    private async Task<byte[]> RenderMessageAsync(ChatMessage message) =>
        Encoding.UTF8.GetBytes(await renderer.RenderAsync(RazorPartialRenderer.MessagesPartial, new[] { message }));
}
