using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// A display name or room name holding RIGHT-TO-LEFT OVERRIDE (U+202E) must not reorder the text beside it: every
/// piece of user text is an isolate (&lt;bdi&gt; or dir="auto"), and the page title, which cannot hold elements, has
/// no bidi controls (issue 11, item 6).
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class BidiIsolationTests(ChatServer server, ChromiumBrowser chromium)
{
    private const string Override = "\u202E";

    /// <summary>Everything that shows user text, each expected to be a bidi isolate of its own.</summary>
    private const string UserTextSelectors =
        "#room-title bdi, .presence-name, .member-name, .message-author, .message-text, .room-name-text";

    [Fact]
    public Task A_right_to_left_override_in_a_name_reorders_nothing_around_it() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(A_right_to_left_override_in_a_name_reorders_nothing_around_it), async pages =>
        {
            var suffix = Guid.NewGuid().ToString("N")[..6];
            var alice = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("alice"));
            var bobEmail = SiteClient.NewEmail("bob");
            var bob = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, bobEmail);
            await new AccountPages(alice).SetDisplayNameAsync($"{Override}Alice {suffix}");
            await new HomePage(alice).OpenAsync();
            await alice.CheckAsync("#room-private");
            await new HomePage(alice).SubmitRoomAsync($"{Override}Plans {suffix}");
            await alice.WaitForURLAsync("**/rooms/*");
            var slug = new Uri(alice.Url).Segments[^1];
            await new RoomPage(alice).WaitUntilLiveAsync();
            await alice.FillAsync("#invite-name", bobEmail);
            await alice.ClickAsync("#invite");
            await Expect(alice.Locator("#member-list li")).ToHaveCountAsync(2);
            await new RoomPage(alice).SendWithEnterAsync("hello");
            await Expect(new RoomPage(alice).MessageWithText("hello")).ToHaveCountAsync(1);

            await new RoomPage(bob).OpenAsync(slug);
            await Expect(bob.Locator("#presence .presence-name")).ToHaveCountAsync(2);

            // The title has no element to isolate with, so it has no bidi controls at all.
            Assert.Equal($"Plans {suffix} · Chat", await bob.TitleAsync());
            await AssertEveryPieceOfUserTextIsIsolatedAsync(bob);
            // Reading order survives: the second name, "owner", the message's time stay to the right of what precedes them.
            await AssertLeftOfAsync(bob.Locator(".presence-name").Nth(0), bob.Locator(".presence-name").Nth(1));
            await bob.Locator("details.members").EvaluateAsync("d => d.open = true");
            await AssertLeftOfAsync(bob.Locator("#member-list li").First.Locator(".member-name"), bob.Locator("#member-list li").First.Locator(".muted"));
            await AssertLeftOfAsync(bob.Locator(".message-author").First, bob.Locator(".message-meta time").First);

            await new HomePage(bob).OpenAsync();
            var listed = bob.Locator($"a[href='/rooms/{slug}']");
            await AssertEveryPieceOfUserTextIsIsolatedAsync(bob);
            await AssertLeftOfAsync(listed.Locator(".room-name-text"), listed.Locator(".badge-private"));
        });

    private static async Task AssertEveryPieceOfUserTextIsIsolatedAsync(IPage page)
    {
        var notIsolated = await page.EvaluateAsync<string[]>(
            """selectors => [...document.querySelectorAll(selectors)].filter(e => getComputedStyle(e).unicodeBidi !== "isolate" && getComputedStyle(e).display === "inline").map(e => e.outerHTML)""",
            UserTextSelectors);
        Assert.Empty(notIsolated);
    }

    private static async Task AssertLeftOfAsync(ILocator first, ILocator second)
    {
        // Live fragments (presence) are swapped in whole: measure both in one go, again if one was being replaced.
        LocatorBoundingBoxResult? a = null, b = null;
        for (var attempt = 0; attempt < 50 && (a is null || b is null); attempt++)
        {
            await Expect(first).ToBeVisibleAsync();
            await Expect(second).ToBeVisibleAsync();
            a = await first.BoundingBoxAsync();
            b = await second.BoundingBoxAsync();
        }
        Assert.True(a is not null && b is not null, "both elements should have a box");
        Assert.True(a.X + a.Width <= b.X + 0.5, $"expected {await first.TextContentAsync()} (x {a.X}..{a.X + a.Width}) left of {await second.TextContentAsync()} (x {b.X})");
    }
}
