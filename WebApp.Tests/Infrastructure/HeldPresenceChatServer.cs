using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebApp.Chat;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The site whose presence store (the real in-process one) can hold a read's answer back until a test lets it go,
/// as a slow store round trip would: to make announcements race in a chosen order.
/// </summary>
public sealed class HeldPresenceChatServer : ChatServer
{
    public HeldPresenceReads Reads { get; } = new(new InProcessPresenceStore());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<IPresenceStore>(Reads)));
    }
}

/// <summary>An <see cref="IPresenceStore"/> that forwards everything, and holds the next read of a room on request.</summary>
public sealed class HeldPresenceReads(IPresenceStore store) : IPresenceStore
{
    private readonly ConcurrentDictionary<int, (TaskCompletionSource Reached, TaskCompletionSource Release)> _holds = new();
    private readonly ConcurrentDictionary<int, int> _reads = new();

    /// <summary>
    /// Holds the next read of the room's names after it was made (its answer is what the store held then): the
    /// first task completes when it is being held, the second lets it go.
    /// </summary>
    public (Task Reached, TaskCompletionSource Release) HoldNextRead(int roomId)
    {
        var hold = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _holds[roomId] = hold;
        return (hold.Item1.Task, hold.Item2);
    }

    /// <summary>Reads of the room's names answered so far.</summary>
    public int ReadsAnswered(int roomId) => _reads.GetValueOrDefault(roomId);

    public async Task<IReadOnlyList<string>> OnlineNamesAsync(int roomId)
    {
        var names = await store.OnlineNamesAsync(roomId);
        if (_holds.TryRemove(roomId, out var hold))
        {
            hold.Reached.SetResult();
            await hold.Release.Task;
        }
        _reads.AddOrUpdate(roomId, 1, (_, count) => count + 1);
        return names;
    }

    public Task ShareAsync(int roomId, IReadOnlyList<PresentPerson> here) => store.ShareAsync(roomId, here);

    public Task<IReadOnlyDictionary<int, int>> OnlineCountsAsync(IReadOnlyList<int> roomIds) => store.OnlineCountsAsync(roomIds);

    public void Subscribe(IPresenceSubscriber subscriber) => store.Subscribe(subscriber);
}
