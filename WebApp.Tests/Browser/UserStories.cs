using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// Whole stories a person lives through, chained from the page objects, so the same story runs against every way
/// the site is served (in-process, the published build over HTTPS, behind nginx).
/// </summary>
public static class UserStories
{
    /// <summary>
    /// Two people register, one creates a room, they chat both ways in real time, the first reloads five times and
    /// never sees the login page, then signs out and is sent to the login page on the next visit to the room.
    /// </summary>
    public static async Task TwoPeopleChatReloadAndSignOutAsync(ChromiumBrowser chromium, Uri site, List<IPage> pages)
    {
        var alicePage = await chromium.NewSignedInPersonAsync(site, pages, SiteClient.NewEmail("alice"));
        var bobPage = await chromium.NewSignedInPersonAsync(site, pages, SiteClient.NewEmail("bob"));
        var slug = await new HomePage(alicePage).CreateRoomAsync("Story room");
        var alice = new RoomPage(alicePage);
        var bob = new RoomPage(bobPage);
        await alice.WaitUntilLiveAsync();
        await bob.OpenAsync(slug);

        await alice.SendWithEnterAsync("Hello from Alice");
        await Expect(bob.MessageWithText("Hello from Alice")).ToBeVisibleAsync();
        await bob.SendWithEnterAsync("Hello back from Bob");
        await Expect(alice.MessageWithText("Hello back from Bob")).ToBeVisibleAsync();

        var visited = new List<string>();
        alicePage.FrameNavigated += (_, frame) => visited.Add(frame.Url);
        for (var i = 0; i < 5; i++)
        {
            await alicePage.ReloadAsync();
            await Expect(alice.MessageWithText("Hello back from Bob")).ToBeVisibleAsync();
            await alice.WaitUntilLiveAsync();
        }
        Assert.DoesNotContain(visited, url => url.Contains(AccountPages.LoginPath, StringComparison.OrdinalIgnoreCase));
        await alice.SendWithEnterAsync("Still here after five reloads");
        await Expect(bob.MessageWithText("Still here after five reloads")).ToBeVisibleAsync();

        await new AccountPages(alicePage).SignOutAsync();
        await alicePage.GotoAsync($"/rooms/{slug}");
        Assert.Contains(AccountPages.LoginPath, alicePage.Url);
    }
}
