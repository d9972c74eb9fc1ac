using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;


namespace WebApp.Tests.Infrastructure;

/// <summary>
/// One real redis-server and one real PostgreSQL, each on its own loopback port, shared by the scale-out tests.
/// Tests may stop and restart <see cref="Redis"/>; it comes back on the same port.
/// </summary>
public sealed class ScaleOutServers : IAsyncLifetime
{
    public RedisServer Redis { get; } = new();
    public PostgresServer Postgres { get; } = new();

    public Task InitializeAsync() => Task.WhenAll(Redis.StartAsync(), Postgres.StartAsync());

    // xunit disposes a fixture whose InitializeAsync failed too, so both servers tolerate never having started.
    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ScaleOutCollection : ICollectionFixture<ScaleOutServers>, ICollectionFixture<ChromiumBrowser>
{
    public const string Name = "scale out";
}
