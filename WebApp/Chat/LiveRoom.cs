using System.Collections.Immutable;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>What every live room uses; one set per process, handed to each room by <see cref="LiveRooms"/>.</summary>
public sealed record LiveRoomServices(
    MessageWriter Writer,
    RoomEventLog Log,
    RoomFrames Frames,
    MentionFinder Mentions,
    IRoomEventBus Bus,
    IPresenceStore Presence,
    ChatMetrics Metrics,
    TimeProvider Clock,
    ChatOptions Options,
    ILogger Logger,
    CancellationToken Stopping);

/// <summary>
/// A room as it is live in this process, and the one owner of everything that happens in it (not to be confused with
/// <c>Data.RoomMember</c>, private-room membership): its sessions and who they belong to; its events (postings, edits,
/// deletions), stored first, then sent to every socket strictly in sequence whatever order their renders finish in,
/// and to the other instances; a joining socket's catch-up, so it is sent every event after the one it saw, exactly
/// once, before any live one; gaps in the sequence (another instance's event not heard of) filled from the database;
/// who is online (presence), announced once per burst of comings and goings; who is typing; and flow control: when
/// a share of its sockets are behind (the server, or the readers as a whole, cannot keep up), the room stops taking
/// new events from its senders until they catch up, and closes (1013) only a socket that is behind alone.
/// </summary>
/// <remarks>
/// Our own code rather than a library's: the room's event order is the product. Everything that sends to sockets
/// does so under <see cref="_lock"/>, so sends to one socket never reorder.
/// </remarks>
public sealed class LiveRoom(int roomId, LiveRoomServices services)
{
    /// <summary>People coming and going within this long are announced together, once.</summary>
    private static readonly TimeSpan PresenceCoalescing = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a room waits for an event missing from its sequence (another instance stored it and has not been
    /// heard from) before reading it from the database. Locally it is only ever a render still running.
    /// </summary>
    private static readonly TimeSpan GapPatience = TimeSpan.FromMilliseconds(250);

    private readonly Lock _lock = new();

    /// <summary>
    /// The room's members by session, changed only under <see cref="_lock"/>: joining and leaving cost the same in a
    /// room of ten or of ten thousand (a copied array made each join copy the whole room). Walks run under the lock
    /// too; a member may leave during one (an eviction while sending), which a dictionary's enumerator allows.
    /// </summary>
    private readonly Dictionary<ChatSession, Member> _members = new(ReferenceEqualityComparer.Instance);

    /// <summary><see cref="_members"/>' count, for readers outside the lock.</summary>
    private int _memberCount;
    private ImmutableSortedDictionary<string, (string Name, int Sockets)> _people =
        ImmutableSortedDictionary<string, (string, int)>.Empty;

    /// <summary>The last event number sent to the room's sockets; -1 until the first socket joins.</summary>
    private long _deliveredSeq = -1;

    /// <summary>Events whose render finished before an earlier event's did, waiting for their turn.</summary>
    private readonly SortedDictionary<long, LocalizedFrame?> _waiting = [];

    /// <summary>Sockets here per culture index (<see cref="LocalizedFrame"/>), changed only under <see cref="_lock"/>.</summary>
    private readonly int[] _socketsPerCulture = new int[Localization.SiteCultures.Names.Count];

    /// <summary>A bit per culture index with a socket here: the cultures a frame is rendered in before it is sent.</summary>
    private int _cultures;

    /// <summary>Who everyone here was last told is online; null until the first socket joins. Replaced (never changed) under <see cref="_lock"/>.</summary>
    private PresenceSent? _presenceSent;

    /// <summary>Reads of the presence store started by announcements, numbered; and the latest one announced (or found to change nothing).</summary>
    private long _presenceReads;
    private long _presenceReadDecided;
    private readonly CoalescedJob _presenceAnnouncement = new();
    private readonly CoalescedJob _remotePresenceAnnouncement = new();
    private readonly CoalescedJob _gapFill = new();

    /// <summary>Members whose queue is over <see cref="ChatOptions.BackpressureBytes"/>.</summary>
    private int _behind;

    /// <summary>Completed when the room catches up; senders wait on it while the room is congested. Guarded by <see cref="_flowLock"/>.</summary>
    private TaskCompletionSource? _caughtUp;
    private readonly Lock _flowLock = new();
    private int _pausedSenders;

    /// <summary>When a paused sender last looked for stuck sockets (<see cref="Environment.TickCount64"/>, ms).</summary>
    private long _lastStallCheck;

    public int RoomId => roomId;

    /// <summary>
    /// More than <see cref="ChatOptions.BackpressureRoomPercent"/> of the room's sockets have over
    /// <see cref="ChatOptions.BackpressureBytes"/> queued: the room is behind as a whole, and its senders wait
    /// (<see cref="WaitForFlowAsync"/>).
    /// </summary>
    public bool IsCongested
    {
        get
        {
            // Two at least: one socket behind on its own is a slow consumer, whatever the room's size.
            var behind = Volatile.Read(ref _behind);
            return behind > 1 && behind * 100L > (long)Volatile.Read(ref _memberCount) * services.Options.BackpressureRoomPercent;
        }
    }

    /// <summary>Senders whose next event waits for the room to catch up, now.</summary>
    public int PausedSenders => Volatile.Read(ref _pausedSenders);

    /// <summary>The sessions here now; a snapshot, safe to iterate while sockets come and go.</summary>
    public IReadOnlyList<ChatSession> Sessions
    {
        get
        {
            lock (_lock) return [.. _members.Keys];
        }
    }

    public bool IsEmpty => Volatile.Read(ref _memberCount) == 0;

    /// <summary>The last event number sent to this room's sockets (-1 before anyone joined).</summary>
    public long DeliveredSeq => Volatile.Read(ref _deliveredSeq);

    /// <summary>This instance's people here, each once however many tabs they have open.</summary>
    public IReadOnlyList<PresentPerson> People() => [.. _people.Select(p => new PresentPerson(p.Key, p.Value.Name))];

    // ---- Joining and leaving -------------------------------------------------------------------------------

    /// <summary>
    /// Adds a socket and sends it every event after <paramref name="afterSeq"/>, in order, before any live one (null:
    /// live events only). The room says up to which event it has delivered at the moment the socket is added: those
    /// are read from the database, everything later arrives live, held meanwhile. Never both, never neither. More
    /// than <see cref="ChatOptions.MaxCatchUp"/> missed (or a client ahead of the room) gets a resync frame instead.
    /// </summary>
    public async Task JoinAsync(ChatSession session, long? afterSeq)
    {
        if (IsEmpty) StartDeliveryAfter(await services.Log.LastSeqAsync(roomId));
        if (Volatile.Read(ref _presenceSent) is null)
        {
            // The base every change frame here applies to: nobody announced yet.
            Interlocked.CompareExchange(ref _presenceSent, new PresenceSent([], services.Frames.Presence([])), null);
        }
        var member = new Member(session);
        // The list everyone here was last sent, in this socket's language: rendered (once per culture) outside the lock.
        await Volatile.Read(ref _presenceSent)!.Frame.PrepareAsync(1 << member.Culture);
        session.Connection.BehindChanged = behind => OnMemberBehind(member, behind);
        long deliveredSeq;
        bool cameOnline;
        lock (_lock)
        {
            _members.Add(session, member);
            Volatile.Write(ref _memberCount, _members.Count);
            if (_socketsPerCulture[member.Culture]++ == 0) Volatile.Write(ref _cultures, _cultures | 1 << member.Culture);
            var userId = session.Grant.UserId;
            var sockets = _people.TryGetValue(userId, out var person) ? person.Sockets : 0;
            _people = _people.SetItem(userId, (session.DisplayName, sockets + 1));
            cameOnline = sockets == 0;
            deliveredSeq = _deliveredSeq;
            // The whole list as everyone here was last sent it (rendered once per change, never per socket), so the
            // next change frame brings this socket up to date with the others. Held with the live events, so it
            // arrives after what the socket missed.
            Send(member, _presenceSent!.Frame);
        }
        // Someone new is announced to everyone (this socket included) as a change, shortly.
        if (cameOnline) SchedulePresenceAnnouncement();

        if (afterSeq is { } after)
        {
            if (after > deliveredSeq && after <= await services.Log.LastSeqAsync(roomId))
            {
                // The client has seen events this instance has not delivered yet (on another instance, or just
                // committed here): nothing to catch up, and those must not reach it twice when they arrive.
                lock (_lock) member.SkipThrough = after;
            }
            else if (deliveredSeq - after > services.Options.MaxCatchUp || after > deliveredSeq)
            {
                await session.Connection.SendAsync(await services.Frames.ResyncAsync(deliveredSeq - after));
            }
            else if (deliveredSeq > after)
            {
                foreach (var missed in await services.Log.ReadAsync(roomId, after, deliveredSeq))
                {
                    // One socket's catch-up, in its own language: rendered for it alone, as before localization.
                    await session.Connection.SendAsync(await services.Frames.EventAsync(missed, session.Culture));
                }
            }
        }
        Release(member);
    }

    /// <summary>Removes a socket; announces who is online when it was its person's last here.</summary>
    public void Leave(ChatSession session)
    {
        bool wentOffline;
        lock (_lock)
        {
            if (!_members.TryGetValue(session, out var member)) return;
            wentOffline = RemoveLocked(member);
        }
        AfterRemoval(wentOffline);
    }

    /// <summary>Takes a member out of the room (under <see cref="_lock"/>); true when it was its person's last socket here.</summary>
    private bool RemoveLocked(Member member)
    {
        _members.Remove(member.Session);
        Volatile.Write(ref _memberCount, _members.Count);
        if (--_socketsPerCulture[member.Culture] == 0) Volatile.Write(ref _cultures, _cultures & ~(1 << member.Culture));
        var userId = member.Session.Grant.UserId;
        var person = _people[userId];
        var wentOffline = person.Sockets == 1;
        _people = wentOffline ? _people.Remove(userId) : _people.SetItem(userId, (person.Name, person.Sockets - 1));
        member.Session.Connection.BehindChanged = null;
        if (member.Leave()) Interlocked.Decrement(ref _behind);
        return wentOffline;
    }

    private void AfterRemoval(bool wentOffline)
    {
        ReleaseSendersIfCaughtUp();
        if (wentOffline) SchedulePresenceAnnouncement();
    }

    /// <summary>
    /// Closes a socket that is behind alone (1013, RFC 6455 §7.4.1 "try again later"): it leaves the room at once, so
    /// it no longer counts toward the room's congestion while its close handshake runs out.
    /// </summary>
    private void EvictLocked(Member member, string why)
    {
        if (!_members.TryGetValue(member.Session, out var current) || current != member) return;
        services.Logger.LogWarning("Closing socket of {Session}: {Why}", member.Session, why);
        services.Metrics.SlowConsumerClosed();
        var wentOffline = RemoveLocked(member);
        member.Session.Close(ChatCloseCodes.TooSlow, "too slow: messages backed up");
        if (wentOffline) SchedulePresenceAnnouncement();
    }

    /// <summary>
    /// Moves delivery on to the database's last event while the room has no sockets here: none of its events can be
    /// in flight on this instance then, and a joiner reads everything up to there. Once someone is here, only
    /// deliveries move it.
    /// </summary>
    private void StartDeliveryAfter(long lastSeq)
    {
        lock (_lock)
        {
            if (_members.Count == 0 && lastSeq > _deliveredSeq) _deliveredSeq = lastSeq;
        }
    }

    /// <summary>Sends the frames held during catch-up, then lets new ones through directly.</summary>
    private void Release(Member member)
    {
        lock (_lock)
        {
            var held = member.Held ?? [];
            member.Held = null;
            foreach (var (seq, frame) in held)
            {
                if (seq != 0 && seq <= member.SkipThrough) continue;
                if (!Send(member, frame)) break;
            }
        }
    }

    // ---- Flow control ---------------------------------------------------------------------------------------

    /// <summary>A member's queue crossed <see cref="ChatOptions.BackpressureBytes"/> (called by its connection).</summary>
    private void OnMemberBehind(Member member, bool behind)
    {
        if (!member.SetBehind(behind)) return;
        if (behind) Interlocked.Increment(ref _behind);
        else
        {
            Interlocked.Decrement(ref _behind);
            ReleaseSendersIfCaughtUp();
        }
    }

    private void ReleaseSendersIfCaughtUp()
    {
        TaskCompletionSource? waiting;
        lock (_flowLock)
        {
            if (_caughtUp is null || IsCongested) return;
            waiting = _caughtUp;
            _caughtUp = null;
        }
        waiting.TrySetResult();
    }

    /// <summary>
    /// Returns at once unless the room is congested; then waits until it has caught up. The sender's socket is not
    /// read meanwhile (its receive loop is in here), so TCP slows the client down: the room takes new events only as
    /// fast as its sockets take them, and nobody is refused or closed for the server's own load. While waiting,
    /// every <see cref="ChatOptions.CloseTimeout"/> the room closes sockets whose send has not moved for that long,
    /// as long as some other socket is moving (when every socket is stuck, it is the server or the network). A sender
    /// waits at most half <see cref="ChatOptions.KeepAliveTimeout"/>, as its pongs are not read meanwhile.
    /// </summary>
    public async ValueTask WaitForFlowAsync()
    {
        if (!IsCongested) return;
        services.Metrics.SenderPaused();
        Interlocked.Increment(ref _pausedSenders);
        try
        {
            // Pauses come and go while the room hovers at its limit, so none may last a whole CloseTimeout: look for
            // stuck sockets on the way in too (a few times per CloseTimeout at most; it walks the room).
            var now = Environment.TickCount64;
            var lastCheck = Interlocked.Read(ref _lastStallCheck);
            if (now - lastCheck > services.Options.CloseTimeout.TotalMilliseconds / 4 && Interlocked.CompareExchange(ref _lastStallCheck, now, lastCheck) == lastCheck)
            {
                EvictStalledMembers();
            }
            while (true)
            {
                Task caughtUp;
                lock (_flowLock)
                {
                    if (!IsCongested) return;
                    caughtUp = (_caughtUp ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
                var timedOut = await Task.WhenAny(caughtUp, Task.Delay(services.Options.CloseTimeout, services.Clock, services.Stopping)) != caughtUp;
                if (services.Stopping.IsCancellationRequested) return;
                if (timedOut) EvictStalledMembers();
                // The sender's socket is not read meanwhile, so its pongs are not either: never long enough for the
                // keep-alive timeout to drop it. One more event per half timeout is all a sender can add.
                if (Environment.TickCount64 - now > services.Options.KeepAliveTimeout.TotalMilliseconds / 2) return;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _pausedSenders);
        }
    }

    private void EvictStalledMembers()
    {
        lock (_lock)
        {
            var members = _members.Values;
            var stalled = members.Where(m => m.Session.Connection.StalledFor() > services.Options.CloseTimeout).ToList();
            // Only while some socket is moving (nothing waiting, or a send that began just now): then the server can
            // write, and the stuck ones are stuck on their own. Everyone stuck is the server or the network.
            var moving = TimeSpan.FromTicks(services.Options.CloseTimeout.Ticks / 4);
            if (stalled.Count == 0 || !members.Any(m => m.Session.Connection.StalledFor() < moving)) return;
            foreach (var member in stalled) EvictLocked(member, $"no send completed for {services.Options.CloseTimeout.TotalSeconds:0.#} s while the room kept moving");
        }
        ReleaseSendersIfCaughtUp();
    }

    // ---- Events ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Stores a new message (durably, before anyone sees it), then sends it to the room in sequence order and to the
    /// other instances. Returns once the message is queued for the database, so the socket's next message is read
    /// while this one commits (at most <see cref="ChatOptions.MaxPostsInFlight"/> at once, in the order read; one at a
    /// time while any socket in the room is behind); the rest runs on. Once accepted it is stored and delivered even if its sender disconnects meanwhile, so nothing here
    /// observes the sender's cancellation. A resend of one already stored is acknowledged to the sender alone.
    /// </summary>
    public async Task PostAsync(ChatSession sender, string text, string? clientId)
    {
        await WaitForFlowAsync();
        var received = services.Clock.GetTimestamp();
        var mentions = await services.Mentions.FindAsync(sender.Room, text, CancellationToken.None);
        // Flow control sees a room fall behind only as its events are delivered: while any socket here is behind, a
        // sender has one message on its way at a time, or the senders released together by a catch-up would each
        // pour in a pipeline's worth before the room could hold them up again (the overload run showed it).
        if (Volatile.Read(ref _behind) > 0) await sender.PostsSettledAsync();
        await sender.WaitForPostSlotAsync();
        var storing = Enqueue(new PostMessage(roomId, sender.Grant.UserId, sender.DisplayName, text, clientId, mentions));
        _ = FinishPostAsync(sender, storing, clientId, received);
    }

    /// <summary>The rest of <see cref="PostAsync"/>, once the message is queued; gives the sender's slot back at the end.</summary>
    private async Task FinishPostAsync(ChatSession sender, Task<RoomCommandResult> storing, string? clientId, long received)
    {
        try
        {
            var result = await StoredAsync(sender, storing, nameof(PostMessage), clientId);
            if (result?.Event is not { } stored) return;
            var frame = await RenderAsync(stored);
            if (result.IsNew)
            {
                Publish(stored.Seq, frame);
                services.Metrics.MessageBroadcast(services.Clock.GetElapsedTime(received));
            }
            else if (frame?.For(sender.CultureIndex) is { } bytes)
            {
                sender.Connection.TrySend(bytes);
            }
        }
        catch (Exception e)
        {
            // Nothing awaits this: a failure must be seen in the log, not lost with the task.
            services.Logger.LogError(e, "Sending a message of {Session} to room {RoomId} failed", sender, roomId);
        }
        finally
        {
            sender.PostSettled();
        }
    }

    /// <summary>Replaces the text of the sender's own message, re-rendered in place for everyone.</summary>
    /// <returns>Why it was refused, or <see cref="RoomCommandRefusal.None"/>.</returns>
    public async Task<RoomCommandRefusal> EditAsync(ChatSession sender, long messageId, string text)
    {
        var mentions = await services.Mentions.FindAsync(sender.Room, text, CancellationToken.None);
        return await ChangeAsync(sender, new EditMessage(roomId, sender.Grant.UserId, messageId, text, mentions));
    }

    /// <summary>Deletes the sender's own message, or any when the sender owns the room; it becomes a placeholder for everyone.</summary>
    /// <returns>Why it was refused, or <see cref="RoomCommandRefusal.None"/>.</returns>
    public Task<RoomCommandRefusal> DeleteAsync(ChatSession sender, long messageId) =>
        ChangeAsync(sender, new DeleteMessage(roomId, sender.Grant.UserId, messageId, sender.IsRoomOwner));

    private async Task<RoomCommandRefusal> ChangeAsync(ChatSession sender, RoomCommand command)
    {
        await WaitForFlowAsync();
        var result = await StoreAsync(sender, command);
        if (result is null) return RoomCommandRefusal.None;
        if (result.Event is not { } stored) return result.Refusal;
        Publish(stored.Seq, await RenderAsync(stored));
        return RoomCommandRefusal.None;
    }

    /// <summary>The outcome, or null when storing failed (the sender has been told).</summary>
    private Task<RoomCommandResult?> StoreAsync(ChatSession sender, RoomCommand command) =>
        StoredAsync(sender, Enqueue(command), command.GetType().Name, clientId: null);

    /// <summary>Queues a command for the database writer; a writer that has stopped gives a failed task.</summary>
    private Task<RoomCommandResult> Enqueue(RoomCommand command)
    {
        try
        {
            return services.Writer.StoreAsync(command);
        }
        catch (Exception e)
        {
            return Task.FromException<RoomCommandResult>(e);
        }
    }

    /// <summary>The outcome of a queued command, or null when storing failed (the sender has been told).</summary>
    private async Task<RoomCommandResult?> StoredAsync(ChatSession sender, Task<RoomCommandResult> storing, string what, string? clientId)
    {
        try
        {
            return await storing;
        }
        catch (Exception e)
        {
            services.Logger.LogError(e, "{Command} from {Session} was not stored", what, sender);
            sender.Connection.TrySend(await services.Frames.ErrorAsync(sender.Culture, ChatError.Failed, clientId, "That could not be saved. Please try again."));
            return null;
        }
    }

    /// <summary>The event as a frame, rendered once in each culture with a socket here (English too when other instances are told).</summary>
    private async Task<LocalizedFrame?> RenderAsync(RoomEvent stored)
    {
        try
        {
            var frame = services.Frames.Event(stored);
            var cultures = Volatile.Read(ref _cultures);
            // The event bus carries the English rendering (each instance renders the other languages its readers need).
            if (services.Bus is not InProcessRoomEventBus) cultures |= 1 << LocalizedFrame.English;
            await frame.PrepareAsync(cultures);
            return frame;
        }
        catch (Exception e)
        {
            // Stored but not renderable: the room must still move past it, and a reload shows the stored state.
            services.Logger.LogError(e, "Event {Seq} in room {RoomId} could not be rendered", stored.Seq, roomId);
            return null;
        }
    }

    /// <summary>Delivers an event stored here, then tells the other instances (without waiting for them).</summary>
    private void Publish(long seq, LocalizedFrame? frame)
    {
        Deliver(seq, frame);
        if (frame is null || services.Bus is InProcessRoomEventBus || frame.For(LocalizedFrame.English) is not { } english) return;
        try
        {
            services.Bus.Publish(roomId, seq, english);
        }
        catch (Exception e)
        {
            // This instance's sockets have it; the others read it from the database once they notice the gap.
            services.Logger.LogError(e, "Event {Seq} in room {RoomId} was not published to the other instances", seq, roomId);
        }
    }

    /// <summary>An event another instance stored.</summary>
    /// <remarks>
    /// The bus carries the English rendering; a room here with readers of other languages renders those from the
    /// stored event (read back once per event, not per reader), and delivers in sequence as ever.
    /// </remarks>
    public void OnRemoteEvent(long seq, byte[] frame)
    {
        if (IsEmpty) return;
        var localized = LocalizedFrame.FromEnglish(frame, async culture =>
        {
            var stored = (await services.Log.ReadAsync(roomId, seq - 1, seq)).Single(e => e.Seq == seq);
            return await services.Frames.EventAsync(stored, culture);
        });
        var cultures = Volatile.Read(ref _cultures);
        if ((cultures & ~(1 << LocalizedFrame.English)) == 0)
        {
            Deliver(seq, localized);
            return;
        }
        _ = DeliverRemoteAsync(seq, localized, cultures);
    }

    private async Task DeliverRemoteAsync(long seq, LocalizedFrame frame, int cultures)
    {
        await frame.PrepareAsync(cultures);
        Deliver(seq, frame);
    }

    /// <summary>
    /// Sends stored event <paramref name="seq"/> to every socket once all before it have gone; one already sent is
    /// ignored. An event that cannot be rendered is delivered with a null frame, so the room moves past it.
    /// </summary>
    private void Deliver(long seq, LocalizedFrame? frame)
    {
        bool gap;
        lock (_lock)
        {
            if (_deliveredSeq < 0) _deliveredSeq = seq - 1;
            if (seq > _deliveredSeq)
            {
                if (seq != _deliveredSeq + 1)
                {
                    _waiting[seq] = frame;
                }
                else
                {
                    SendEvent(seq, frame);
                    _deliveredSeq = seq;
                    while (_waiting.Remove(_deliveredSeq + 1, out var next))
                    {
                        SendEvent(_deliveredSeq + 1, next);
                        _deliveredSeq++;
                    }
                }
            }
            gap = _waiting.Count > 0;
        }
        if (gap) ScheduleGapFill();
    }

    private void ScheduleGapFill() =>
        _gapFill.Request(GapPatience, async () =>
        {
            long? next;
            lock (_lock) next = _waiting.Count > 0 ? _waiting.Keys.First() : null;
            if (next is { } first) await DeliverFromDatabaseAsync(first - 1);
        }, e => services.Logger.LogError(e, "Filling a gap in room {RoomId} failed", roomId), services.Stopping);

    /// <summary>
    /// Sends the sockets here whatever the database has that the room has not been sent, e.g. what other instances
    /// stored while the event bus was unreachable.
    /// </summary>
    public async Task CatchUpFromDatabaseAsync()
    {
        if (!IsEmpty) await DeliverFromDatabaseAsync(await services.Log.LastSeqAsync(roomId));
    }

    /// <summary>Delivers the stored events after the room's delivered number, up to <paramref name="upToSeq"/>.</summary>
    private async Task DeliverFromDatabaseAsync(long upToSeq)
    {
        var from = DeliveredSeq;
        if (upToSeq <= from) return;
        services.Logger.LogInformation("Room {RoomId}: delivering events {From}-{To} from the database", roomId, from + 1, upToSeq);
        foreach (var stored in await services.Log.ReadAsync(roomId, from, upToSeq))
        {
            Deliver(stored.Seq, await RenderAsync(stored));
        }
    }

    // ---- Typing ---------------------------------------------------------------------------------------------

    /// <summary>Tells everyone here and on the other instances that <paramref name="sender"/> is typing; not stored, no number.</summary>
    public async Task TypingAsync(ChatSession sender)
    {
        // Typing is worth nothing late: a room that is behind drops it rather than queue it.
        if (IsCongested) return;
        var frame = await services.Frames.TypingAsync(new PresentPerson(sender.Grant.UserId, sender.DisplayName));
        SendEphemeral(LocalizedFrame.Neutral(frame));
        try
        {
            services.Bus.PublishEphemeral(roomId, frame);
        }
        catch (Exception e)
        {
            services.Logger.LogWarning(e, "Typing in room {RoomId} was not published to the other instances", roomId);
        }
    }

    /// <summary>An ephemeral event (typing) from another instance.</summary>
    public void OnRemoteEphemeral(byte[] frame)
    {
        if (!IsCongested) SendEphemeral(LocalizedFrame.Neutral(frame));
    }

    private void SendEphemeral(LocalizedFrame frame)
    {
        lock (_lock) SendToAll(frame);
    }

    // ---- Renames --------------------------------------------------------------------------------------------

    /// <summary>
    /// A user's display name changed (on any instance): their sessions here go on under it, the pages here are told
    /// (they rename that author's messages on screen), and the online list is announced again if they are here.
    /// </summary>
    public async Task RenameAsync(string userId, string displayName)
    {
        bool present;
        lock (_lock)
        {
            foreach (var member in _members.Values)
            {
                if (member.Session.Grant.UserId == userId) member.Session.Rename(displayName);
            }
            present = _people.TryGetValue(userId, out var person);
            if (present)
            {
                _people = _people.SetItem(userId, (displayName, person.Sockets));
            }
        }
        if (IsEmpty) return;
        var frame = LocalizedFrame.Neutral(await services.Frames.AuthorRenamedAsync(new PresentPerson(userId, displayName)));
        lock (_lock) SendToAll(frame);
        if (present) SchedulePresenceAnnouncement();
    }

    // ---- Presence -------------------------------------------------------------------------------------------

    /// <summary>
    /// Announces who is online a moment after a change here, once for however many changes came meanwhile: a room
    /// that a thousand people join at once shares and announces a few times, not a thousand.
    /// </summary>
    private void SchedulePresenceAnnouncement() =>
        _presenceAnnouncement.Request(PresenceCoalescing, async () =>
        {
            await services.Presence.ShareAsync(roomId, People());
            await AnnouncePresenceAsync();
        }, e => services.Logger.LogError(e, "Presence announcement in room {RoomId} failed", roomId), services.Stopping);

    /// <summary>
    /// Someone came or went here on another instance: announced after the same pause, once per burst. (Not shared
    /// again: that would tell the other instances, which would tell this one, without end.)
    /// </summary>
    public Task OnPresenceChangedAsync()
    {
        if (!IsEmpty)
        {
            _remotePresenceAnnouncement.Request(PresenceCoalescing, AnnouncePresenceAsync,
                e => services.Logger.LogError(e, "Presence announcement in room {RoomId} failed", roomId), services.Stopping);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Re-reads who is online and announces what differs from what everyone here was last sent, if anything: people
    /// on an instance that died drop out although nobody announced their going.
    /// </summary>
    public Task RecheckPresenceAsync() => AnnouncePresenceAsync();

    /// <summary>Back on the presence store: share this instance's people again, and refresh the list here.</summary>
    public async Task SharePresenceAgainAsync()
    {
        if (IsEmpty) return;
        await services.Presence.ShareAsync(roomId, People());
        await AnnouncePresenceAsync();
    }

    /// <summary>
    /// Sends everyone here one small frame with the difference between who they were last sent and who is online now
    /// (the count, the names that joined and those that left; the same bytes to every socket, nothing when nothing
    /// changed), and keeps the whole new list, rendered once, for sockets that join later. Announcements race each
    /// other, so a stale list never follows a newer one: each diffs against a snapshot of what was last sent and
    /// sends only if that is still the last sent (else it starts again from the newer one), and only if no read of
    /// the store started after its own has been announced already, or found nothing to announce.
    /// </summary>
    private async Task AnnouncePresenceAsync()
    {
        while (!IsEmpty && Volatile.Read(ref _presenceSent) is { } sent)
        {
            var read = Interlocked.Increment(ref _presenceReads);
            var names = await services.Presence.OnlineNamesAsync(roomId);
            var change = PresenceChange.Between(sent.Names, names);
            LocalizedFrame? changeFrame = null, wholeFrame = null;
            if (!change.IsEmpty)
            {
                // Once per culture here; the whole list is rendered only when a socket joins and reads it.
                changeFrame = services.Frames.PresenceChange(change);
                wholeFrame = services.Frames.Presence(names);
                await changeFrame.PrepareAsync(Volatile.Read(ref _cultures));
            }
            lock (_lock)
            {
                // A later read was announced meanwhile (a leave read before a rejoin must not follow the rejoin).
                if (read <= _presenceReadDecided) return;
                // Another announcement went out meanwhile: this diff is against a list nobody holds any more.
                if (!ReferenceEquals(_presenceSent, sent)) continue;
                _presenceReadDecided = read;
                if (changeFrame is null) return;
                _presenceSent = new PresenceSent(names, wholeFrame!);
                SendToAll(changeFrame);
                return;
            }
        }
    }

    /// <summary>A list of who is online as sent to everyone here, and the same list as one <c>#presence</c> frame.</summary>
    private sealed record PresenceSent(IReadOnlyList<string> Names, LocalizedFrame Frame);

    // ---- Sending (always under _lock) ----------------------------------------------------------------------

    private void SendEvent(long seq, LocalizedFrame? frame)
    {
        if (frame is null) return;
        foreach (var member in _members.Values)
        {
            if (seq > member.SkipThrough) Send(member, frame, seq);
        }
    }

    private void SendToAll(LocalizedFrame frame)
    {
        foreach (var member in _members.Values) Send(member, frame);
    }

    /// <summary>
    /// Sends (or queues) a frame for one socket, or holds it behind the socket's catch-up. A socket over
    /// <see cref="ChatOptions.OutboundQueueBytes"/> while the room as a whole keeps up is a slow consumer, and is
    /// closed; when the room is congested its senders are waiting already, so queues stop growing and nobody is closed.
    /// </summary>
    /// <param name="seq">The stored event's number, or 0 for any other frame.</param>
    /// <returns>False when the socket is gone.</returns>
    private bool Send(Member member, LocalizedFrame localized, long seq = 0) =>
        localized.For(member.Culture) is not { } frame || Send(member, frame, seq);

    private bool Send(Member member, byte[] frame, long seq = 0)
    {
        long queued;
        if (member.Held is { } held)
        {
            held.Add((seq, frame));
            queued = member.HeldBytes += frame.Length;
        }
        else if (!member.Session.Connection.TrySend(frame, out queued))
        {
            return false;
        }
        if (queued <= services.Options.OutboundQueueBytes || IsCongested) return true;
        EvictLocked(member, $"over {services.Options.OutboundQueueBytes} bytes queued while the room kept up");
        return false;
    }

    /// <summary>A session in this room, with what its join left to do; fields change only under the room's lock.</summary>
    private sealed class Member(ChatSession session)
    {
        private readonly Lock _flow = new();
        private bool _behind;
        private bool _gone;

        public ChatSession Session { get; } = session;

        /// <summary>The culture index the socket reads (<see cref="ChatSession.CultureIndex"/>).</summary>
        public int Culture { get; } = session.CultureIndex;

        /// <summary>Live frames waiting behind the catch-up, in arrival order, with their event numbers (0: none); null once it is done.</summary>
        public List<(long Seq, byte[] Frame)>? Held { get; set; } = [];

        /// <summary>Bytes of <see cref="Held"/>.</summary>
        public long HeldBytes { get; set; }

        /// <summary>The client has already shown every event up to here.</summary>
        public long SkipThrough { get; set; }

        /// <summary>Records whether the socket is behind; true when that changed (and the member is still in the room).</summary>
        public bool SetBehind(bool behind)
        {
            lock (_flow)
            {
                if (_gone || _behind == behind) return false;
                _behind = behind;
                return true;
            }
        }

        /// <summary>Marks the member gone; true when it was counted as behind (the room must uncount it).</summary>
        public bool Leave()
        {
            lock (_flow)
            {
                _gone = true;
                var wasBehind = _behind;
                _behind = false;
                return wasBehind;
            }
        }
    }
}
