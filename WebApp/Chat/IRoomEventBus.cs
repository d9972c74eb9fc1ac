namespace WebApp.Chat;

/// <summary>
/// Carries the room events one instance stored (postings, edits, deletions) and its ephemeral ones (typing) to the
/// other instances of the site (fan-out across instances), and theirs to this one. The chat owns this contract; one
/// process needs nothing (<see cref="InProcessRoomEventBus"/>), several use Redis pub/sub (the ScaleOut folder).
/// </summary>
public interface IRoomEventBus
{
    /// <summary>
    /// Tells the other instances about an event this one stored and has delivered to its own sockets. Returns at
    /// once and never waits for a remote store: delivery to the others is best effort, and an instance that missed an
    /// event reads it from the database (a gap in the room's sequence, or <see cref="IRoomEventSubscriber.OnBusRestoredAsync"/>).
    /// </summary>
    /// <param name="seq">The event's number in the room's sequence, 1 or more.</param>
    /// <param name="frame">The rendered fragment, UTF-8, exactly as this instance's sockets got it.</param>
    void Publish(int roomId, long seq, byte[] frame);

    /// <summary>
    /// Tells the other instances about an event that is not stored and has no number (typing): at most once, lost
    /// without regret while the bus is down. Returns at once.
    /// </summary>
    void PublishEphemeral(int roomId, byte[] frame);

    /// <summary>Delivers the other instances' events, and news of the bus coming back, to <paramref name="subscriber"/>.</summary>
    void Subscribe(IRoomEventSubscriber subscriber);
}

/// <summary>What receives the other instances' events: the chat's live rooms.</summary>
public interface IRoomEventSubscriber
{
    /// <summary>A stored event another instance delivered; called on the bus's thread, must not block.</summary>
    void OnRemoteEvent(int roomId, long seq, byte[] frame);

    /// <summary>An ephemeral event from another instance; called on the bus's thread, must not block.</summary>
    void OnRemoteEphemeral(int roomId, byte[] frame);

    /// <summary>The bus was unreachable and is back: whatever was published meanwhile must be read from the database.</summary>
    Task OnBusRestoredAsync();
}

/// <summary>One process: every event is already delivered where it happened.</summary>
public sealed class InProcessRoomEventBus : IRoomEventBus
{
    public void Publish(int roomId, long seq, byte[] frame) { }

    public void PublishEphemeral(int roomId, byte[] frame) { }

    public void Subscribe(IRoomEventSubscriber subscriber) { }
}
