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
            pages => SiteWalk.RegisterAndWalkAsync(chromium, server.BaseAddress, pages));
}
