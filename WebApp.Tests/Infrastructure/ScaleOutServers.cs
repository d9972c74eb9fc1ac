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

    /// <summary>
    /// Settings for a site on these servers: a PostgreSQL database of its own (<paramref name="database"/>, created
    /// by the site; a fresh <c>chat_{guid}</c> when null) and a Redis namespace of its own (a channel prefix, which
    /// also prefixes keys), plus <paramref name="more"/>. Instances given the same dictionary share both, as a
    /// deployment's instances do.
    /// </summary>
    public Dictionary<string, string> SiteSettings(string? database = null, IReadOnlyDictionary<string, string>? more = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = Postgres.ConnectionString(database ?? $"chat_{Guid.NewGuid():N}"),
            ["ConnectionStrings:Redis"] = $"{Redis.ConnectionString},channelPrefix={Guid.NewGuid():N}:",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string>()) settings[key] = value;
        return settings;
    }

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
