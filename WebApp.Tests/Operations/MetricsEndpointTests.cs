using System.Net;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Operations;

/// <summary>
/// <c>/metrics</c> with <c>Metrics:Enabled=true</c>: the chat's, HTTP's and Kestrel's metrics in the Prometheus text
/// format, for clients in <c>Metrics:AllowedNetworks</c> (as seen after X-Forwarded-For from the trusted loopback
/// proxy) and 404 for everyone else.
/// </summary>
public sealed class MetricsEndpointTests(MetricsEndpointTests.LoopbackOnly loopbackOnly, MetricsEndpointTests.PrivateNetworksOnly privateOnly)
    : IClassFixture<MetricsEndpointTests.LoopbackOnly>, IClassFixture<MetricsEndpointTests.PrivateNetworksOnly>
{
    /// <summary>Metrics on, with the default networks (loopback).</summary>
    public sealed class LoopbackOnly : ChatServer
    {
        protected override Dictionary<string, string> Settings => new(base.Settings) { ["Metrics:Enabled"] = "true" };
    }

    /// <summary>Metrics on, for private networks only: a scraper on this machine is not among them.</summary>
    public sealed class PrivateNetworksOnly : ChatServer
    {
        protected override Dictionary<string, string> Settings => new(base.Settings)
        {
            ["Metrics:Enabled"] = "true",
            ["Metrics:AllowedNetworks:0"] = "10.0.0.0/8",
            ["Metrics:AllowedNetworks:1"] = "fd00::/8",
        };
    }

    [Fact]
    public async Task Prometheus_text_holds_chat_http_and_kestrel_metrics_without_signing_in()
    {
        using var alice = loopbackOnly.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Scraped");
        using (var socket = await alice.ConnectAsync(slug))
        {
            await socket.SendMessageAsync("measure me");
            await socket.ReceiveTextAsync();
        }

        using var scraper = loopbackOnly.NewVisitor();
        var response = await scraper.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("chat_upgrades_total", text);
        Assert.Contains("chat_messages_persisted_total", text);
        Assert.Contains("chat_sockets_open", text);
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.Contains("kestrel_", text);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.OK)]
    [InlineData("127.0.0.2", HttpStatusCode.OK)]
    [InlineData("::1", HttpStatusCode.OK)]
    [InlineData("203.0.113.7", HttpStatusCode.NotFound)]
    [InlineData("10.1.2.3", HttpStatusCode.NotFound)]
    [InlineData("2001:db8::7", HttpStatusCode.NotFound)]
    public async Task Default_networks_are_loopback_only(string? forwardedFor, HttpStatusCode expected) =>
        Assert.Equal(expected, await ScrapeStatusAsync(loopbackOnly, forwardedFor));

    [Theory]
    [InlineData(null, HttpStatusCode.NotFound)]
    [InlineData("127.0.0.1", HttpStatusCode.NotFound)]
    [InlineData("::1", HttpStatusCode.NotFound)]
    [InlineData("11.0.0.1", HttpStatusCode.NotFound)]
    [InlineData("10.1.2.3", HttpStatusCode.OK)]
    [InlineData("fd12::34", HttpStatusCode.OK)]
    public async Task Only_clients_in_the_allowed_networks_are_answered(string? forwardedFor, HttpStatusCode expected)
    {
        Assert.Equal(expected, await ScrapeStatusAsync(privateOnly, forwardedFor));
        if (expected == HttpStatusCode.NotFound) Assert.Contains("refused with 404: not in Metrics:AllowedNetworks", privateOnly.Logs.All);
    }

    /// <summary>A network that cannot be parsed stops the site at start with a message naming the setting.</summary>
    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/8")]
    [InlineData("fd00::/129")]
    [InlineData("10.0.0.0")]
    [InlineData("localhost")]
    [InlineData("10.0.0.0/8,192.168.0.0/16")]
    public async Task An_invalid_allowed_network_refuses_to_start(string network)
    {
        await using var site = new SiteProcess(new Dictionary<string, string> { ["Metrics:AllowedNetworks:0"] = "::1/128", ["Metrics:AllowedNetworks:1"] = network });
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(site.StartAsync);
        Assert.Contains($"Metrics:AllowedNetworks:1 is \"{network}\"", failure.Message);
    }

    /// <summary>The scrape as it arrives through the trusted loopback proxy that sets X-Forwarded-For (or directly, without it).</summary>
    private static async Task<HttpStatusCode> ScrapeStatusAsync(ChatServer server, string? forwardedFor)
    {
        using var scraper = server.NewVisitor();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        return (await scraper.Http.SendAsync(request)).StatusCode;
    }
}
