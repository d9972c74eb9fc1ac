using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// Two people mid-conversation while the server stops (gracefully, or killed outright) and comes back on the same
/// port and database: one of them writes while it is down, and afterwards both see every message exactly once, in
/// the same order.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class RestartTests(ChromiumBrowser chromium)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Patiently = new() { Timeout = 45_000 };

    [Fact]
    public Task Graceful_restart_loses_and_doubles_nothing() => RestartMidConversationAsync(hardKill: false);

    [Fact]
    public Task Hard_kill_loses_nothing_that_was_acknowledged() => RestartMidConversationAsync(hardKill: true);

    private Task RestartMidConversationAsync(bool hardKill) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(hardKill ? nameof(Hard_kill_loses_nothing_that_was_acknowledged) : nameof(Graceful_restart_loses_and_doubles_nothing), async pages =>
        {
            await using var site = new SiteProcess();
            await site.StartAsync();
            var alicePage = await chromium.NewPersonAsync(site.BaseAddress);
            var bobPage = await chromium.NewPersonAsync(site.BaseAddress);
            pages.AddRange([alicePage, bobPage]);
            await new AccountPages(alicePage).RegisterAsync(SiteClient.NewEmail("alice"), SiteClient.Password);
            await new AccountPages(bobPage).RegisterAsync(SiteClient.NewEmail("bob"), SiteClient.Password);
            var slug = await new HomePage(alicePage).CreateRoomAsync("Restarts");
            var alice = new RoomPage(alicePage);
            var bob = new RoomPage(bobPage);
            await alice.WaitUntilLiveAsync();
            await bob.OpenAsync(slug);

            await alice.SendWithEnterAsync("one");
            await Expect(bob.MessageWithText("one")).ToBeVisibleAsync();
            await bob.SendWithEnterAsync("two");
            await Expect(alice.MessageWithText("two")).ToBeVisibleAsync();

            if (hardKill) await site.KillAsync();
            else await site.StopGracefullyAsync();
            await Expect(alice.Status).Not.ToHaveAttributeAsync("data-state", "live");

            // Written while the server is down: the page keeps it, marked as sending.
            await alice.SendWithEnterAsync("three, written while the server was down");
            await Expect(alicePage.Locator("#pending .message.pending")).ToHaveCountAsync(1);

            await site.StartAsync();
            await Expect(alice.Status).ToHaveAttributeAsync("data-state", "live", Patiently);
            await Expect(bob.Status).ToHaveAttributeAsync("data-state", "live", Patiently);
            await Expect(alicePage.Locator("#pending .message")).ToHaveCountAsync(0);
            await bob.SendWithEnterAsync("four, after the restart");

            string[] conversation = ["one", "two", "three, written while the server was down", "four, after the restart"];
            foreach (var page in pages)
            {
                await Expect(page.Locator("#messages .message-text")).ToHaveTextAsync(conversation);
                await page.ReloadAsync();
                await Expect(page.Locator("#messages .message-text")).ToHaveTextAsync(conversation);
            }
        });
}
