using System.Net;
using System.Net.Sockets;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Deployment;

/// <summary>
/// Outside Development the site is HTTPS only: plain HTTP is redirected to the HTTPS endpoint when there is one,
/// and refused with a clear 400 page when there is none (behind a proxy that did not say the request was HTTPS),
/// never answered with a 500 from a Secure-only cookie. Probes stay reachable over plain HTTP.
/// </summary>
[Collection(HttpsChatServerCollection.Name)]
public sealed class HttpsOnlyTests(HttpsChatServer server, ProductionChatServer behindProxy) : IClassFixture<ProductionChatServer>
{
    public static TheoryData<string, string> PagesAndForms => new()
    {
        { "GET", "/" },
        { "GET", "/Identity/Account/Login" },
        { "GET", "/Identity/Account/Register" },
        { "POST", "/Identity/Account/Login" },
        { "POST", "/Identity/Account/Register" },
        { "POST", "/" },
        { "GET", "/rooms/lobby" },
        { "POST", "/rooms/lobby?handler=SocketToken" },
        { "GET", "/ws/rooms/lobby" },
        { "GET", "/no/such/page" },
    };

    [Theory]
    [MemberData(nameof(PagesAndForms))]
    public async Task Plain_http_is_redirected_to_the_https_endpoint(string method, string path)
    {
        using var http = new HttpClient(SiteClient.NewHandler()) { BaseAddress = server.PlainHttpAddress };

        var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(new Uri(server.BaseAddress, path), response.Headers.Location);
    }

    [Theory]
    [MemberData(nameof(PagesAndForms))]
    public async Task Plain_http_without_an_https_endpoint_gets_a_400_page_saying_so(string method, string path)
    {
        using var http = new HttpClient(SiteClient.NewHandler()) { BaseAddress = behindProxy.BaseAddress };
        var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("must be reached over HTTPS", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task Without_an_https_endpoint_the_start_up_log_says_so_once()
    {
        using var http = new HttpClient(SiteClient.NewHandler()) { BaseAddress = behindProxy.BaseAddress };
        for (var i = 0; i < 3; i++) await http.GetAsync("/");

        Assert.Single(behindProxy.Logs.Lines, line => line.Contains("No HTTPS endpoint or HTTPS port is configured"));
        Assert.DoesNotContain(server.Logs.Lines, line => line.Contains("No HTTPS endpoint or HTTPS port is configured"));
    }

    [Theory]
    [InlineData("/healthz", HttpStatusCode.OK)]
    [InlineData("/readyz", HttpStatusCode.OK)]
    [InlineData("/HEALTHZ", HttpStatusCode.OK)]
    [InlineData("/metrics", HttpStatusCode.NotFound)] // off unless Metrics:Enabled; never the HTTPS refusal
    public async Task Probes_and_metrics_answer_over_plain_http(string path, HttpStatusCode expected)
    {
        foreach (var address in new[] { server.PlainHttpAddress, behindProxy.BaseAddress })
        {
            using var http = new HttpClient(SiteClient.NewHandler()) { BaseAddress = address };
            Assert.Equal(expected, (await http.GetAsync(path)).StatusCode);
        }
    }

    [Fact]
    public async Task A_loopback_proxy_saying_https_is_trusted_by_default()
    {
        using var http = new HttpClient(SiteClient.NewHandler()) { BaseAddress = behindProxy.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        var response = await http.GetAsync("/Identity/Account/Login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(response.Headers.GetValues("Set-Cookie"), cookie => Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", "127.0.0.2")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "127.0.0.2/32")]
    public async Task Configured_proxies_replace_loopback_and_only_they_are_believed(string key, string value)
    {
        await using var site = new ConfiguredProductionChatServer(new() { [key] = value });
        await site.InitializeAsync();
        try
        {
            Assert.Equal(HttpStatusCode.OK, await LoginPageStatusFromAsync(site.BaseAddress, IPAddress.Parse("127.0.0.2")));
            Assert.Equal(HttpStatusCode.BadRequest, await LoginPageStatusFromAsync(site.BaseAddress, IPAddress.Loopback));
        }
        finally
        {
            await ((IAsyncLifetime)site).DisposeAsync();
        }
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", "10.0.0.300")]
    [InlineData("ForwardedHeaders:KnownProxies:0", "proxy.internal")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.1/8")]
    public async Task An_invalid_trusted_proxy_stops_the_site_at_start_naming_the_setting(string key, string value)
    {
        await using var site = new ConfiguredProductionChatServer(new() { [key] = value });

        var failure = await Assert.ThrowsAnyAsync<Exception>(site.InitializeAsync);

        Assert.Contains(key, failure.ToString());
    }

    /// <summary>A GET of the login page saying X-Forwarded-Proto: https, sent from the given loopback address.</summary>
    private static async Task<HttpStatusCode> LoginPageStatusFromAsync(Uri site, IPAddress source)
    {
        var handler = SiteClient.NewHandler();
        handler.ConnectCallback = async (context, cancellation) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellation);
            return new NetworkStream(socket, ownsSocket: true);
        };
        using var http = new HttpClient(handler) { BaseAddress = site };
        http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        return (await http.GetAsync("/Identity/Account/Login")).StatusCode;
    }
}
