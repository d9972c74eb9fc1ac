using System.Globalization;
using Microsoft.Playwright;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// The room page as the server renders it is the page as it looks live: opened at the newest message, the reader's
/// own messages marked, times in the reader's zone (remembered from the browser once, in the <c>tz</c> cookie),
/// the badge saying "Connecting…" and the composer focused. Checked with scripts off (what shows before they run)
/// and with scripts on (nothing scrolls, re-words a time or re-marks a message while the page goes live), at a
/// desktop's and a phone's size, against the published build in Production over HTTPS and HTTP/2.
/// </summary>
[Collection(PublishedSiteCollection.Name)]
public sealed class NoJumpOnLoadTests(PublishedSiteServers servers, ChromiumBrowser chromium)
{
    private Uri Site => servers.DirectAddress;

    private const string Zone = "Asia/Tokyo";

    /// <summary>Alice and Bob, 36 messages between them (more than either screen holds), Alice's page to open.</summary>
    private async Task<(SiteClient Alice, string Slug)> BusyRoomAsync()
    {
        var alice = new SiteClient(Site);
        using var bob = new SiteClient(Site);
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Opens at the newest " + Guid.NewGuid().ToString("N")[..6]);
        using var aliceSocket = await alice.ConnectAsync(slug);
        using var bobSocket = await bob.ConnectAsync(slug);
        for (var i = 1; i <= 18; i++)
        {
            await aliceSocket.SendMessageAsync($"alice says {i}");
            await ReceiveContainingAsync(aliceSocket, $"alice says {i}");
            if (i % 8 == 0)
            {
                // Two in a row: grouped under one author.
                await aliceSocket.SendMessageAsync($"alice adds {i}");
                await ReceiveContainingAsync(aliceSocket, $"alice adds {i}");
            }
            await bobSocket.SendMessageAsync($"bob says {i}\nwith a second line");
            await ReceiveContainingAsync(bobSocket, $"bob says {i}");
        }
        return (alice, slug);
    }

    private static async Task ReceiveContainingAsync(System.Net.WebSockets.WebSocket socket, string text)
    {
        while (!(await socket.ReceiveTextAsync()).Contains(text, StringComparison.Ordinal)) { }
    }

    private Task<IPage> OpenAsync(List<IPage> pages, SiteClient person, bool phone, bool javaScript, bool zoneRemembered) =>
        chromium.NewPageAsAsync(person, new()
        {
            JavaScriptEnabled = javaScript,
            TimezoneId = Zone,
            Locale = "en-US",
            ViewportSize = phone ? new() { Width = 390, Height = 844 } : new() { Width = 1280, Height = 800 },
            HasTouch = phone,
            IsMobile = phone,
        }, pages, zoneRemembered ? [("tz", Uri.EscapeDataString(Zone))] : []);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Before_any_script_runs_the_room_looks_as_it_does_live(bool phone) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(Before_any_script_runs_the_room_looks_as_it_does_live)}-{phone}", async pages =>
        {
            var (alice, slug) = await BusyRoomAsync();
            using var _ = alice;
            var page = await OpenAsync(pages, alice, phone, javaScript: false, zoneRemembered: true);
            await page.GotoAsync($"/rooms/{Uri.EscapeDataString(slug)}");

            await AssertOpenAtTheNewestAsync(page);
            await AssertOwnMessagesMarkedAsync(page);
            await AssertTimesInZoneAsync(page);
            Assert.Equal("message-text", await page.EvaluateAsync<string>("() => document.activeElement?.id"));
            // Without scripts the badge says why nothing goes live; the HTML says "Connecting…" as chat.js would.
            await Expect(page.Locator("#connection-status")).ToBeHiddenAsync();
            // (Playwright's text matching skips noscript content: read what is rendered instead.)
            var header = await page.Locator(".room-header").EvaluateAsync<string>("h => h.innerText");
            Assert.Contains("Live chat needs JavaScript", header);
            Assert.DoesNotContain("Connecting", header);
            var html = await alice.Http.GetStringAsync($"/rooms/{Uri.EscapeDataString(slug)}");
            Assert.Contains("data-state=\"connecting\" role=\"status\" aria-live=\"polite\">Connecting…</span>", html);
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Going_live_moves_nothing_and_rewords_no_time(bool phone) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(Going_live_moves_nothing_and_rewords_no_time)}-{phone}", async pages =>
        {
            var (alice, slug) = await BusyRoomAsync();
            using var _ = alice;
            var page = await OpenAsync(pages, alice, phone, javaScript: true, zoneRemembered: false);
            // Everything that changes on screen while the page starts, recorded from before its first script.
            await page.AddInitScriptAsync("""
                window.__changes = [];
                document.addEventListener('scroll', (e) => window.__changes.push('scroll ' + (e.target.id || e.target.nodeName)), true);
                new MutationObserver((records) => {
                    for (const r of records) {
                        const el = r.type === 'characterData' ? r.target.parentElement : r.target;
                        if (r.type === 'attributes' && r.attributeName === 'class' && el.classList?.contains('message') && r.oldValue !== el.className)
                            window.__changes.push('class ' + el.id + ': ' + r.oldValue + ' -> ' + el.className);
                        // The parser only adds nodes; a script rewording a time replaces them (or edits the text).
                        const rewritten = r.type === 'characterData' || (r.type === 'childList' && r.removedNodes.length > 0)
                            || (r.type === 'attributes' && r.attributeName === 'title' && r.oldValue !== null && r.oldValue !== el.title);
                        if (el?.closest?.('time') && rewritten)
                            window.__changes.push('time ' + el.closest('time').dateTime + ' ' + r.type);
                    }
                }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeOldValue: true, attributeFilter: ['class', 'title'] });
                """);

            // The first visit ever: the server does not know the zone yet, so the script localizes and remembers it.
            await page.GotoAsync($"/rooms/{Uri.EscapeDataString(slug)}");
            await Expect(page.Locator("#connection-status")).ToHaveTextAsync("Live");
            await AssertTimesInZoneAsync(page);
            Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == "tz" && Uri.UnescapeDataString(c.Value) == Zone);

            // Every visit after it: the page the server sends is the live page.
            await page.ReloadAsync();
            await Expect(page.Locator("#connection-status")).ToHaveTextAsync("Live");
            await AssertOpenAtTheNewestAsync(page);
            await AssertOwnMessagesMarkedAsync(page);
            await AssertTimesInZoneAsync(page);
            Assert.Equal("message-text", await page.EvaluateAsync<string>("() => document.activeElement?.id"));
            Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__changes"));

            // A live message (rendered once for everyone, in UTC) is worded like the server's.
            await page.Locator("#message-text").FillAsync("sent live");
            await page.Locator("#send").ClickAsync();
            await Expect(page.Locator("#messages .message.mine", new() { HasText = "sent live" })).ToBeVisibleAsync();
            await AssertTimesInZoneAsync(page);
            await AssertOpenAtTheNewestAsync(page);
        });

    private static async Task AssertOpenAtTheNewestAsync(IPage page)
    {
        var view = await page.Locator("#messages").BoundingBoxAsync();
        var last = await page.Locator("#messages .message").Last.BoundingBoxAsync();
        var first = await page.Locator("#messages .message").First.BoundingBoxAsync();
        Assert.True(last!.Y + last.Height <= view!.Y + view.Height + 1 && last.Y >= view.Y - 1,
            $"the newest message at {last.Y}..{last.Y + last.Height}, the list shows {view.Y}..{view.Y + view.Height}");
        Assert.True(first!.Y + first.Height < view.Y, "the oldest message on screen: the page opened at the top");
    }

    private static async Task AssertOwnMessagesMarkedAsync(IPage page)
    {
        var marks = await page.Locator("#messages .message").EvaluateAllAsync<string[]>(
            "ms => ms.map(m => (m.classList.contains('mine') ? 'mine ' : 'theirs ') + m.querySelector('.message-text').textContent.split(' ')[0])");
        Assert.NotEmpty(marks);
        // A second message in a row is grouped under the first one's author, as chat.js groups live ones.
        Assert.NotEqual(0, await page.Locator("#messages .message.continued", new() { HasText = "alice adds" }).CountAsync());
        Assert.Equal(0, await page.Locator("#messages .message.continued", new() { HasText = "says" }).CountAsync());
        Assert.All(marks, mark => Assert.True(mark is "mine alice" or "theirs bob", mark));
    }

    /// <summary>Every time on the page reads as in Tokyo, worded "HH:mm" (today there) or "MMM d, HH:mm".</summary>
    private static async Task AssertTimesInZoneAsync(IPage page)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var times = await page.Locator("#messages .message-meta time").EvaluateAllAsync<string[][]>("ts => ts.map(t => [t.dateTime, t.textContent])");
        Assert.NotEmpty(times);
        var today = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, zone).Date;
        foreach (var pair in times)
        {
            var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.Parse(pair[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), zone);
            var expected = local.Date == today ? local.ToString("HH:mm", CultureInfo.InvariantCulture) : local.ToString("MMM d, HH:mm", CultureInfo.GetCultureInfo("en-US"));
            Assert.Equal(expected, pair[1]);
        }
        // Each day's heading, in that zone's calendar.
        var days = await page.Locator("#messages .day-separator time").EvaluateAllAsync<string[][]>("ts => ts.map(t => [t.dateTime, t.textContent])");
        Assert.NotEmpty(days);
        foreach (var pair in days)
        {
            var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.Parse(pair[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), zone);
            Assert.Equal(local.ToString("dddd, MMMM d, yyyy", CultureInfo.GetCultureInfo("en-US")), pair[1]);
        }
    }
}
