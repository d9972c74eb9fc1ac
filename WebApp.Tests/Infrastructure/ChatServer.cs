using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebApp.Data;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The real site on Kestrel at a loopback port, with its own SQLite file and a known signing key,
/// shared by every test in the collection. Its rate limit is generous so tests can send volume;
/// <see cref="StrictChatServer"/> keeps the production limits.
/// </summary>
public class ChatServer : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string SigningKey = "test-signing-key-long-enough-for-hs256-and-for-an-hs512-forgery!";
    public const string Issuer = "webapp-tests";
    public const string Audience = "webapp-tests-socket";
    public const string AllowedForeignOrigin = "http://partner.test:8080";

    private readonly string _databaseDirectory = Directory.CreateTempSubdirectory("chat-tests-").FullName;

    public CapturedLogs Logs { get; } = new();
    public Uri BaseAddress { get; private set; } = null!;
    public Uri SocketBaseAddress => new($"{(BaseAddress.Scheme == Uri.UriSchemeHttps ? "wss" : "ws")}://{BaseAddress.Authority}/");

    /// <summary>Every address the server listens on (the first is <see cref="BaseAddress"/>).</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    public string DatabasePath => Path.Combine(_databaseDirectory, "chat.db");

    public ChatServer() => UseKestrel(Listen);

    /// <summary>Plain HTTP on a free loopback port; <see cref="HttpsChatServer"/> adds TLS with HTTP/2.</summary>
    protected virtual void Listen(KestrelServerOptions kestrel) => kestrel.Listen(IPAddress.Loopback, 0);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("ConnectionStrings:Default", $"Data Source={DatabasePath}");
        builder.UseSetting("Jwt:SigningKey", SigningKey);
        builder.UseSetting("Jwt:Issuer", Issuer);
        builder.UseSetting("Jwt:Audience", Audience);
        builder.UseSetting("Chat:AllowedOrigins:0", AllowedForeignOrigin);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    protected virtual string EnvironmentName => "Development";

    protected virtual Dictionary<string, string> Settings => new()
    {
        // Small enough that a stalled client overflows its queue quickly in the slow-client test.
        ["Chat:OutboundQueueBytes"] = "262144",
        ["Chat:BackpressureBytes"] = "65536",
        ["Chat:CloseTimeout"] = "00:00:01",
        ["Chat:RateLimit:MessagesPerSecond"] = "10000",
        ["Chat:RateLimit:Burst"] = "10000",
        // Search tests search many times as one person; the limit itself has its own test.
        ["Search:RateLimit:Burst"] = "10000",
        // Small enough to reach in a test of "missed too much: reload the history".
        ["Chat:MaxCatchUp"] = "200",
        // Quick enough for the keep-alive test to see a silent client dropped, slow enough for a busy CI machine.
        ["Chat:KeepAliveInterval"] = "00:00:02",
        ["Chat:KeepAliveTimeout"] = "00:00:03",
    };

    public Task InitializeAsync()
    {
        StartServer();
        Addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(address => new Uri(address.EndsWith('/') ? address : address + "/"))
            .ToList();
        BaseAddress = Addresses[0];
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        try { Directory.Delete(_databaseDirectory, recursive: true); } catch (IOException) { }
    }

    public async Task<T> QueryAsync<T>(Func<AppDbContext, Task<T>> query)
    {
        var factory = Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await query(db);
    }

    /// <summary>A client of the site's pages with its own cookie jar, like one browser.</summary>
    public SiteClient NewVisitor() => new(BaseAddress);
}

/// <summary>
/// The site with production limits (10 messages/s, 20 sockets per user), timings short enough to watch expire
/// (3-second tokens, a 2-second handshake timeout), and every log category turned up as far as an operator could.
/// </summary>
public sealed class StrictChatServer : ChatServer
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(3);

    protected override Dictionary<string, string> Settings => new()
    {
        ["Jwt:SocketTokenLifetime"] = TokenLifetime.ToString(),
        ["Jwt:ClockSkew"] = "00:00:00",
        ["Chat:HandshakeTimeout"] = "00:00:02",
        ["Chat:CloseTimeout"] = "00:00:01",
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
    };
}

/// <summary>
/// The site in Production on plain HTTP at a loopback port, as behind a TLS-terminating proxy on the same machine:
/// requests must say <c>X-Forwarded-Proto: https</c> (loopback proxies are trusted), or they get 400.
/// </summary>
public class ProductionChatServer : ChatServer
{
    protected override string EnvironmentName => "Production";
}

/// <summary>The site in Production on plain HTTP with extra settings (e.g. trusted proxies).</summary>
public sealed class ConfiguredProductionChatServer(Dictionary<string, string> extra) : ProductionChatServer
{
    protected override Dictionary<string, string> Settings
    {
        get
        {
            var settings = base.Settings;
            foreach (var (key, value) in extra) settings[key] = value;
            return settings;
        }
    }
}

/// <summary>
/// The site in Production served as deployed: HTTPS with Kestrel's default protocols (HTTP/1.1 and HTTP/2, so
/// browsers open sockets with HTTP/2's extended CONNECT) on <see cref="ChatServer.BaseAddress"/>, with the
/// throwaway <see cref="TestCertificate"/>, and plain HTTP on <see cref="PlainHttpAddress"/> (redirected to HTTPS).
/// </summary>
public sealed class HttpsChatServer : ProductionChatServer
{
    public Uri PlainHttpAddress => Addresses[1];

    protected override void Listen(KestrelServerOptions kestrel)
    {
        kestrel.Listen(IPAddress.Loopback, 0, endpoint => endpoint.UseHttps(TestCertificate.Certificate));
        kestrel.Listen(IPAddress.Loopback, 0);
    }

    protected override Dictionary<string, string> Settings => new(base.Settings)
    {
        // Low enough that the per-user cap can be reached over HTTP/2 in a test.
        ["Chat:MaxSocketsPerUser"] = "3",
    };
}

[CollectionDefinition(Name)]
public sealed class ChatServerCollection : ICollectionFixture<ChatServer>, ICollectionFixture<ChromiumBrowser>
{
    public const string Name = "chat server";
}

[CollectionDefinition(Name)]
public sealed class HttpsChatServerCollection : ICollectionFixture<HttpsChatServer>, ICollectionFixture<ChromiumBrowser>
{
    public const string Name = "https chat server";
}

[CollectionDefinition(Name)]
public sealed class StrictChatServerCollection : ICollectionFixture<StrictChatServer>, ICollectionFixture<ChromiumBrowser>
{
    public const string Name = "strict chat server";
}

/// <summary>
/// The site with every log category at Trace, every line of every level kept: an operator who turns logging all the
/// way up must still find no credential in it.
/// </summary>
public sealed class TraceLoggingChatServer : ChatServer
{
    /// <summary>Every line at every level (<see cref="ChatServer.Logs"/> keeps Debug and above only).</summary>
    public CapturedLogs TraceLogs { get; } = new(LogLevel.Trace);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(TraceLogs));
    }

    protected override Dictionary<string, string> Settings => new()
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
    };
}

[CollectionDefinition(Name)]
public sealed class TraceLoggingCollection : ICollectionFixture<TraceLoggingChatServer>
{
    public const string Name = "trace logging chat server";
}
