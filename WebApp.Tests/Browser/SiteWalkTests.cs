using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Browser;

/// <summary>Every page of the site, in Chromium under the site's CSP: nothing from another origin, nothing refused.</summary>
[Collection(ChatServerCollection.Name)]
public sealed class SiteWalkTests(ChatServer server, ChromiumBrowser chromium)
{
    [Fact]
    public Task Every_page_loads_only_from_the_site_and_breaks_no_content_security_policy_rule() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Every_page_loads_only_from_the_site_and_breaks_no_content_security_policy_rule),
            pages => WalkAsync(server, pages, behindTlsProxy: false));

    /// <summary>
    /// The same as deployed (environment Production), where Identity UI's own pages would load jQuery Validation from
    /// a public CDN with inline fallback scripts.
    /// </summary>
    [Fact]
    public Task Every_page_loads_only_from_the_site_in_production() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Every_page_loads_only_from_the_site_in_production), async pages =>
        {
            await using var production = new PublishedChatServer();
            await production.InitializeAsync();
            try
            {
                await WalkAsync(production, pages, behindTlsProxy: true);
            }
            finally
            {
                await ((IAsyncLifetime)production).DisposeAsync();
            }
        });

    /// <param name="behindTlsProxy">
    /// Send X-Forwarded-Proto: https, as the TLS-terminating proxy of a deployment does: outside Development the site
    /// issues only Secure cookies and refuses antiforgery over plain HTTP.
    /// </param>
    private async Task WalkAsync(ChatServer server, List<IPage> pages, bool behindTlsProxy)
    {
        var email = SiteClient.NewEmail("walker");
        var context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = server.BaseAddress.ToString(),
            ExtraHTTPHeaders = behindTlsProxy ? new Dictionary<string, string> { ["X-Forwarded-Proto"] = "https" } : null,
        });
        context.SetDefaultTimeout(10_000);
        var page = await context.NewPageAsync();
        pages.Add(page);
        var account = new PageObjects.AccountPages(page);
        await account.RegisterAsync(email, SiteClient.Password);
        await account.SignOutAsync();

        var report = await SiteWalk.RunAsync(page, server.BaseAddress, new(email, SiteClient.Password), roomGoesLive: !behindTlsProxy);

        Assert.True(report.Problems.Count == 0, string.Join("\n", report.Problems));
        Assert.Superset(new HashSet<string>(SiteWalk.SignedOutPages.Concat(SiteWalk.ManagePages)), new HashSet<string>(report.Visited));
        Assert.Contains(report.Visited, path => path.StartsWith("/rooms/", StringComparison.Ordinal));
        Assert.Contains("/Identity/Account/LoginWith2fa", report.Visited);
    }
}

/// <summary>
/// The site in environment Production with the files a publish puts in wwwroot: the static web assets of packages
/// (Identity UI's Bootstrap under /Identity/lib) are on disk only after a publish, and a build serves them only in
/// Development, so this stands in for the publish.
/// </summary>
internal sealed class PublishedChatServer : ChatServer
{
    protected override string EnvironmentName => "Production";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseStaticWebAssets();
    }
}
