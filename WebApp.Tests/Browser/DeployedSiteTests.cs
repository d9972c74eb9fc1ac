using System.Net;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Browser;

/// <summary>
/// The published build in Production, where people use it: over HTTPS with HTTP/2 on (so Chromium opens its
/// sockets with HTTP/2's extended CONNECT), and behind nginx terminating TLS.
/// </summary>
[Collection(PublishedSiteCollection.Name)]
public sealed class DeployedSiteTests(PublishedSiteServers servers, ChromiumBrowser chromium)
{
    [Fact]
    public async Task Over_https_with_http2_people_chat_reload_and_sign_out()
    {
        await ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Over_https_with_http2_people_chat_reload_and_sign_out), pages =>
            UserStories.TwoPeopleChatReloadAndSignOutAsync(chromium, servers.DirectAddress, pages));

        // Chromium speaks HTTP/2 to Kestrel's TLS endpoint, so its sockets were HTTP/2 streams (RFC 8441).
        Assert.Contains(servers.Direct.WatchedLines, line => line.Contains("over HTTP/2", StringComparison.Ordinal));
    }

    /// <summary>
    /// Where Identity UI's own pages would load jQuery Validation from a public CDN with inline fallback scripts: the
    /// published build in Production, with its published static assets.
    /// </summary>
    [Fact]
    public Task Every_page_of_the_published_site_loads_only_from_the_site_and_breaks_no_csp_rule() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Every_page_of_the_published_site_loads_only_from_the_site_and_breaks_no_csp_rule),
            pages => SiteWalk.RegisterAndWalkAsync(chromium, servers.DirectAddress, pages));

    [Fact]
    public async Task Behind_nginx_people_chat_reload_and_sign_out()
    {
        await ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Behind_nginx_people_chat_reload_and_sign_out), pages =>
            UserStories.TwoPeopleChatReloadAndSignOutAsync(chromium, servers.ProxyAddress, pages));

        // nginx 1.22 does not speak RFC 8441, so the sockets reached the site as HTTP/1.1 upgrades through the proxy.
        Assert.Contains(servers.BehindProxy.WatchedLines, line => line.Contains("over HTTP/1.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nginx_sends_plain_http_to_https_and_the_site_refuses_plain_http_that_bypasses_it()
    {
        using var http = new HttpClient(SiteClient.NewHandler());

        var toProxy = await http.GetAsync(new Uri(servers.Proxy.HttpAddress, "/Identity/Account/Login"));
        var bypassing = await http.GetAsync(new Uri(servers.BehindProxyAddress, "/Identity/Account/Login"));
        var probe = await http.GetAsync(new Uri(servers.BehindProxyAddress, "/healthz"));

        Assert.Equal(HttpStatusCode.MovedPermanently, toProxy.StatusCode);
        Assert.Equal(Uri.UriSchemeHttps, toProxy.Headers.Location!.Scheme);
        Assert.Equal(HttpStatusCode.BadRequest, bypassing.StatusCode);
        Assert.Contains("must be reached over HTTPS", await bypassing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
    }

    [Fact]
    public async Task The_nginx_example_keeps_tokens_in_the_query_out_of_its_access_log()
    {
        using var http = new HttpClient(SiteClient.NewHandler()) { BaseAddress = servers.ProxyAddress };
        var secret = "eyJ" + Guid.NewGuid().ToString("N") + "." + Guid.NewGuid().ToString("N") + ".sig";

        var response = await http.GetAsync($"/ws/rooms/lobby?access_token={secret}&after=0");
        var marker = Guid.NewGuid().ToString("N");
        await http.GetAsync($"/healthz/{marker}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode); // not an upgrade
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(servers.Proxy.AccessLog) || !(await File.ReadAllTextAsync(servers.Proxy.AccessLog)).Contains(marker))
        {
            Assert.True(DateTime.UtcNow < deadline, "nginx wrote no access log line");
            await Task.Delay(50);
        }
        var log = await File.ReadAllTextAsync(servers.Proxy.AccessLog);
        Assert.Contains("/ws/rooms/lobby", log);
        Assert.DoesNotContain(secret[..20], log);
    }

    [Fact]
    public async Task A_client_speaking_only_http2_signs_up_and_opens_a_socket()
    {
        using var visitor = new SiteClient(servers.DirectAddress) { SocketHttpVersion = HttpVersion.Version20 };
        var slug = await visitor.SignUpWithRoomAsync("Published room");

        using var socket = await visitor.ConnectAsync(slug);

        // An accepted extended CONNECT answers 200 (RFC 8441 §5), HTTP/2's counterpart of 101.
        Assert.Equal(HttpStatusCode.OK, socket.HttpStatusCode);
        Assert.Equal("chat.v1", socket.SubProtocol);
    }
}
