using System.Diagnostics;
using System.Net;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The site as it is deployed: the output of <c>dotnet publish -c Release</c> (made once per test run), run as its
/// own process with <c>ASPNETCORE_ENVIRONMENT=Production</c> from the publish folder (like a systemd unit), each
/// instance with its own SQLite file.
/// </summary>
public static class PublishedSite
{
    /// <summary>The repository's root (the folder holding WebApp.sln).</summary>
    public static string RepositoryRoot => PublishedBuild.RepositoryRoot;

    /// <summary>The published build's folder (published once per run, shared with the benchmark's smoke runs).</summary>
    public static Task<string> PublishAsync() => PublishedBuild.PublishAsync();

    /// <summary>
    /// Starts one instance of the published site listening on <paramref name="urls"/> (plain HTTP, or HTTPS through
    /// <paramref name="settings"/>' <c>Kestrel:Endpoints</c>), and waits until <paramref name="probe"/>'s /healthz answers.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string databasePath, Uri probe, IReadOnlyDictionary<string, string> settings)
    {
        var directory = await PublishAsync();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(directory, "WebApp.dll")]) { WorkingDirectory = directory };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Default"] = $"Data Source={databasePath}";
        start.Environment["Jwt__SigningKey"] = SiteProcess.SigningKey;
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__")] = value;
        var process = new ServerProcess(start);
        process.Watch("Socket opened");
        using var http = new HttpClient(SiteClient.NewHandler()) { BaseAddress = probe, Timeout = TimeSpan.FromSeconds(2) };
        await process.WaitUntilReadyAsync(async () =>
        {
            try { return (await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
        }, "the published site");
        return process;
    }
}

/// <summary>
/// The published site in Production served directly over HTTPS by Kestrel with its default protocols (HTTP/1.1 and
/// HTTP/2), with a throwaway certificate from <see cref="TestCertificate"/> given as a PKCS#12 file through the
/// standard <c>Kestrel:Endpoints:Https:Certificate</c> keys; plus a second instance on plain HTTP behind Debian's
/// nginx, configured from the example the repository ships (<c>deploy/nginx/chat.conf</c>).
/// </summary>
public sealed class PublishedSiteServers : IAsyncLifetime
{
    private const string PfxPassword = "test-only";

    private readonly string _directory = Directory.CreateTempSubdirectory("chat-published-site-").FullName;

    /// <summary>The instance served over HTTPS by Kestrel itself.</summary>
    public ServerProcess Direct { get; private set; } = null!;
    public Uri DirectAddress { get; } = new($"https://127.0.0.1:{ServerProcess.FreeLoopbackPort()}/");

    /// <summary>The instance behind nginx: reached only through <see cref="ProxyAddress"/>.</summary>
    public ServerProcess BehindProxy { get; private set; } = null!;
    public Uri BehindProxyAddress { get; } = new($"http://127.0.0.1:{ServerProcess.FreeLoopbackPort()}/");

    public NginxProxy Proxy { get; private set; } = null!;
    public Uri ProxyAddress => Proxy.HttpsAddress;

    public async Task InitializeAsync()
    {
        var (pfx, certificatePem, keyPem) = TestCertificate.WriteFiles(_directory, PfxPassword);
        var publishing = PublishedSite.PublishAsync();
        var installing = NginxProxy.EnsureInstalledAsync();
        await Task.WhenAll(publishing, installing);

        Direct = await PublishedSite.StartAsync(Path.Combine(_directory, "direct.db"), DirectAddress, new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Https:Url"] = DirectAddress.ToString().TrimEnd('/'),
            ["Kestrel:Endpoints:Https:Certificate:Path"] = pfx,
            ["Kestrel:Endpoints:Https:Certificate:Password"] = PfxPassword,
        });
        BehindProxy = await PublishedSite.StartAsync(Path.Combine(_directory, "proxied.db"), BehindProxyAddress, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = BehindProxyAddress.ToString().TrimEnd('/'),
        });
        Proxy = await NginxProxy.StartAsync(_directory, BehindProxyAddress, certificatePem, keyPem);
    }

    public async Task DisposeAsync()
    {
        foreach (var server in new[] { Proxy?.Process, Direct, BehindProxy })
        {
            if (server is not null) await server.StopAsync();
        }
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class PublishedSiteCollection : ICollectionFixture<PublishedSiteServers>, ICollectionFixture<ChromiumBrowser>
{
    public const string Name = "published site";
}
