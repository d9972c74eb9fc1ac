namespace WebApp.Chat;

/// <summary>Hands the chat's live rooms to the event bus and the presence store at start.</summary>
public sealed class RoomSubscriptions(IRoomEventBus bus, IPresenceStore presence, RoomMessagePublisher publisher) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        bus.Subscribe(publisher);
        presence.Subscribe(publisher);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
