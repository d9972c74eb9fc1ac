namespace WebApp.Chat;

/// <summary>Hands the chat's live rooms to the event bus and the presence store at start.</summary>
public sealed class RoomSubscriptions(IRoomEventBus bus, IPresenceStore presence, LiveRooms rooms) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        bus.Subscribe(rooms);
        presence.Subscribe(rooms);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
