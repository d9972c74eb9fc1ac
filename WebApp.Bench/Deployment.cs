using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace WebApp.Bench;

/// <summary>
/// The site as a benchmark runs it: the published build in Production (<see cref="PublishedBuild"/>), one instance on
/// its own SQLite file (the embedded default), or on PostgreSQL, or several instances sharing PostgreSQL and Redis (the
/// scale-out deployment), with throwaway servers started here.
/// </summary>
public sealed class Deployment : IAsyncDisposable
{
    private readonly List<SiteProcess> _instances = [];
    private PostgresServer? _postgres;
    private RedisServer? _redis;
    private string? _postgresConnection;

    public IReadOnlyList<SiteProcess> Instances => _instances;

    public string Description { get; private set; } = "";

    /// <summary>Where the <paramref name="index"/>th client goes: instances take turns.</summary>
    public Uri AddressFor(int index) => _instances[index % _instances.Count].BaseAddress;

    /// <param name="cores">The CPUs the instances run on (<c>taskset -c</c> form), or null for all.</param>
    public static async Task<Deployment> StartAsync(BenchOptions options, IReadOnlyDictionary<string, string> siteSettings, string? cores, TextWriter log)
    {
        log.WriteLine("publishing the site (dotnet publish -c Release)");
        var published = await PublishedBuild.PublishAsync();
        var deployment = new Deployment();
        var settings = new Dictionary<string, string>(siteSettings);
        if (options.Database == "postgres")
        {
            deployment._postgres = new PostgresServer();
            await deployment._postgres.StartAsync();
            deployment._postgresConnection = deployment._postgres.ConnectionString("chat");
            settings["Database:Provider"] = "Postgres";
            settings["ConnectionStrings:Postgres"] = deployment._postgresConnection;
        }
        if (options.Instances > 1)
        {
            deployment._redis = new RedisServer();
            await deployment._redis.StartAsync();
            settings["ConnectionStrings:Redis"] = deployment._redis.ConnectionString;
        }
        deployment.Description = $"{options.Instances} instance{(options.Instances > 1 ? "s" : "")} on {options.Database}" +
            (deployment._redis is null ? "" : " with Redis") + ", published build in Production behind a TLS proxy (X-Forwarded-Proto: https)";
        for (var i = 0; i < options.Instances; i++)
        {
            var site = new SiteProcess(settings) { PublishedDirectory = published, Cores = cores };
            deployment._instances.Add(site);
            log.WriteLine($"starting instance {i + 1} of the site ({Path.Combine(published, "WebApp.dll")}, Production) at {site.BaseAddress}");
            // One after the other: the first creates and migrates the database.
            await site.StartAsync();
        }
        return deployment;
    }

    /// <summary>CPU of all instances together, from now on.</summary>
    public CpuMeter ServerCpu() => new([.. _instances.Select(i => i.Process)]);

    public long ResidentBytes() => _instances.Sum(i => ProcessMemory.ResidentBytes(i.Process));

    /// <summary>GC heap after a full collection, of all instances together (null if one cannot be read).</summary>
    public async Task<long?> ManagedHeapBytesAsync()
    {
        long total = 0;
        foreach (var instance in _instances)
        {
            if (await ServerHeap.ManagedHeapBytesAsync(instance.Process.Id) is not { } bytes) return null;
            total += bytes;
        }
        return total;
    }

    public async Task<long> CountStoredMessagesAsync()
    {
        if (_postgresConnection is not null)
        {
            await using var postgres = new NpgsqlConnection(_postgresConnection);
            await postgres.OpenAsync();
            await using var command = new NpgsqlCommand("""SELECT COUNT(*) FROM "Messages" """, postgres);
            return Convert.ToInt64(await command.ExecuteScalarAsync());
        }
        await using var sqlite = new SqliteConnection($"Data Source={_instances[0].DatabasePath};Mode=ReadOnly");
        await sqlite.OpenAsync();
        await using var count = sqlite.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM Messages";
        return Convert.ToInt64(await count.ExecuteScalarAsync());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances) await instance.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
