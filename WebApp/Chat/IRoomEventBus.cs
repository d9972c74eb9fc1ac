namespace WebApp.Chat;

/// <summary>
/// Carries the messages one instance stored to the other instances of the site (fan-out across instances), and
/// theirs to this one. The chat owns this contract; one process needs nothing (<see cref="InProcessRoomEventBus"/>),
/// several use Redis pub/sub (the ScaleOut folder).
/// </summary>
public interface IRoomEventBus
{
    /// <summary>
    /// Tells the other instances about a message this one stored and has delivered to its own sockets. Returns at
    /// once and never waits for a remote store: delivery to the others is best effort, and an instance that missed a
    /// message reads it from the database (a gap in the room's sequence, or <see cref="IRoomEventSubscriber.OnBusRestoredAsync"/>).
    /// </summary>
    /// <param name="frame">The rendered fragment, UTF-8, exactly as this instance's sockets got it.</param>
    void Publish(int roomId, long seq, byte[] frame);

    /// <summary>Delivers the other instances' messages, and news of the bus coming back, to <paramref name="subscriber"/>.</summary>
    void Subscribe(IRoomEventSubscriber subscriber);
}

/// <summary>What receives the other instances' messages: the chat's live rooms.</summary>
public interface IRoomEventSubscriber
{
    /// <summary>A message another instance stored; called on the bus's thread, must not block.</summary>
    void OnRemoteMessage(int roomId, long seq, byte[] frame);

    /// <summary>The bus was unreachable and is back: whatever was published meanwhile must be read from the database.</summary>
    Task OnBusRestoredAsync();
}

/// <summary>One process: every message is already delivered where it was stored.</summary>
public sealed class InProcessRoomEventBus : IRoomEventBus
{
    public void Publish(int roomId, long seq, byte[] frame) { }

    public void Subscribe(IRoomEventSubscriber subscriber) { }
}
