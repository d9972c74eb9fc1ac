using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.ScaleOut;

/// <summary>Two instances of the built site on their own ports, sharing a fresh PostgreSQL database and the Redis server.</summary>
public static class TwoInstances
{
    /// <param name="more">Further settings for both instances (e.g. a shorter heartbeat).</param>
    public static async Task<(SiteProcess A, SiteProcess B)> StartAsync(ScaleOutServers servers, IReadOnlyDictionary<string, string>? more = null)
    {
        // Each pair of instances has a namespace of its own: a killed instance's presence lingers until its heartbeat expires.
        var settings = servers.SiteSettings(more: more);
        var a = new SiteProcess(settings);
        var b = new SiteProcess(settings);
        // One after the other: the first creates and migrates the database.
        await a.StartAsync();
        await b.StartAsync();
        return (a, b);
    }
}

/// <summary>
/// A test class whose every test runs on its own <see cref="TwoInstances"/>, started before it and stopped after it,
/// as <see cref="A"/> and <see cref="B"/>; <see cref="Servers"/> are the shared Redis and PostgreSQL servers.
/// </summary>
public abstract class OnTwoInstances(ScaleOutServers servers) : IAsyncLifetime
{
    protected ScaleOutServers Servers => servers;

    protected SiteProcess A { get; private set; } = null!;

    protected SiteProcess B { get; private set; } = null!;

    public async Task InitializeAsync() => (A, B) = await TwoInstances.StartAsync(servers);

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
