using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using WebApp.Auth;
using WebApp.Chat;
using WebApp.ScaleOut;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.ScaleOut;

/// <summary>
/// The chat's and the Redis implementations' background services and disposables stop and are disposed in whatever order a host,
/// a container or a test happens to use, each more than once, with the Redis multiplexer gone before or after them;
/// whatever is still asked of them afterwards neither throws an unexpected exception nor reaches Redis.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class StopInAnyOrderTests(ScaleOutServers servers)
{
    /// <summary>The in-process site on Redis, with a namespace of its own.</summary>
    private sealed class RedisChatServer(string redis) : ChatServer
    {
        protected override Dictionary<string, string> Settings => new(base.Settings) { ["ConnectionStrings:Redis"] = redis };
    }

    public static TheoryData<string> Orders => ["as started", "reversed", "multiplexer first", "multiplexer between"];

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Stopping_and_disposing_twice_in_any_order_throws_nothing(string order)
    {
        var server = new RedisChatServer($"{servers.Redis.ConnectionString},channelPrefix={Guid.NewGuid():N}:");
        await server.InitializeAsync();
        try
        {
            // Sockets, a stored message and a presence announcement: every loop has something going.
            using var alice = server.NewVisitor();
            var slug = await alice.SignUpWithRoomAsync("Any order");
            using var socket = await alice.ConnectAsync(slug);
            await socket.SendMessageAsync("before the stop");
            await socket.ReceiveTextAsync();

            var services = server.Services;
            var ours = services.GetServices<IHostedService>().Where(s => s.GetType().Namespace is "WebApp.Chat" or "WebApp.ScaleOut").ToList();
            Assert.Contains(ours, s => s is RedisRoomEventBus);
            Assert.Contains(ours, s => s is RedisPresenceStore);
            Assert.Contains(ours, s => s is RedisRevocationBus);
            Assert.Contains(ours, s => s is RedisHeartbeat);
            Assert.Contains(ours, s => s is MessageWriter);
            var multiplexer = services.GetRequiredService<IConnectionMultiplexer>();

            var steps = ours.Select(s => (Func<Task>)(() => s.StopAsync(CancellationToken.None)))
                .Concat(ours.Select(s => (Func<Task>)(() => DisposeAsync(s))))
                .ToList();
            Func<Task> disposeMultiplexer = () => multiplexer.DisposeAsync().AsTask();
            switch (order)
            {
                case "as started": steps.Add(disposeMultiplexer); break;
                case "reversed": steps.Reverse(); steps.Add(disposeMultiplexer); break;
                case "multiplexer first": steps.Insert(0, disposeMultiplexer); break;
                case "multiplexer between": steps.Insert(steps.Count / 2, disposeMultiplexer); break;
            }
            foreach (var step in steps.Concat(steps)) await step();

            // What the sockets' code may still ask: answered in this process, without Redis.
            services.GetRequiredService<IRoomEventBus>().Publish(roomId: 1, seq: 1, frame: [1]);
            var presence = services.GetRequiredService<IPresenceStore>();
            await presence.ShareAsync(1, [new PresentPerson("nobody", "Nobody")]);
            // No room has id 0: nobody there, answered here without Redis.
            Assert.Empty(await presence.OnlineNamesAsync(0));
            await services.GetRequiredService<IRevocationBus>().RevokeAsync(RevocationSignal.UserDeleted("nobody"));
            // A stopped writer refuses new messages (the sender is told) rather than losing them.
            await Assert.ThrowsAsync<InvalidOperationException>(() =>
                services.GetRequiredService<MessageWriter>().StoreAsync(new PostMessage(1, "nobody", "Nobody", "after the stop", null, [])));
        }
        finally
        {
            // The host then stops and disposes everything once more.
            await ((IAsyncLifetime)server).DisposeAsync();
        }
    }

    private static async Task DisposeAsync(object service)
    {
        if (service is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync();
        else if (service is IDisposable disposable) disposable.Dispose();
    }
}
