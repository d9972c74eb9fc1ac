using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// A room in a tab the person is not looking at: the tab's title counts what arrived, and a message that mentions
/// them raises a browser notification once they have allowed it (the room offers to ask). Chromium's own
/// Notification API is used (permission granted by the test); the test only records what the page constructs and
/// tells the page when it is hidden, as switching tabs would.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class HiddenTabTests(ChatServer server, ChromiumBrowser chromium)
{
    private const string Spy = """
        window.__hidden = false;
        Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get() { return window.__hidden ? 'hidden' : 'visible'; } });
        Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get() { return window.__hidden; } });
        window.__notifications = [];
        if ('Notification' in window) {
            const Real = window.Notification;
            window.Notification = new Proxy(Real, { construct(target, args) { window.__notifications.push([args[0], args[1]?.body ?? '']); return new target(...args); } });
        }
        """;

    private static Task SetHiddenAsync(IPage page, bool hidden) =>
        page.EvaluateAsync($"() => {{ window.__hidden = {(hidden ? "true" : "false")}; document.dispatchEvent(new Event('visibilitychange')); }}");

    [Fact]
    public Task A_hidden_tab_counts_arrivals_in_its_title_and_notifies_of_a_mention() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(A_hidden_tab_counts_arrivals_in_its_title_and_notifies_of_a_mention), async pages =>
        {
            var alicePage = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("alice"));
            var bobPage = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("bob"));
            var bobName = await bobPage.Locator("#account-link").TextContentAsync();
            var aliceName = await alicePage.Locator("#account-link").TextContentAsync();
            await bobPage.Context.GrantPermissionsAsync(["notifications"], new() { Origin = server.BaseAddress.GetLeftPart(UriPartial.Authority) });
            await bobPage.Context.AddInitScriptAsync(Spy);
            var slug = await new HomePage(alicePage).CreateRoomAsync("Hidden tab");
            var alice = new RoomPage(alicePage);
            var bob = new RoomPage(bobPage);
            await alice.WaitUntilLiveAsync();
            await bob.OpenAsync(slug);
            var title = await bobPage.TitleAsync();
            // Already allowed: nothing to offer.
            await Expect(bobPage.Locator("#notify-mentions")).ToBeHiddenAsync();

            // Looking at the tab: nothing counted, nobody notified.
            await alice.SendAndWaitAsync($"hello @{bobName} while you look");
            await Expect(bob.MessageWithText("while you look")).ToBeVisibleAsync();
            Assert.Equal(title, await bobPage.TitleAsync());

            await SetHiddenAsync(bobPage, true);
            await alice.SendAndWaitAsync("first while away");
            await alice.SendAndWaitAsync($"@{bobName} are you there?");
            await Expect(bobPage).ToHaveTitleAsync($"(2) {title}");
            var notifications = await bobPage.EvaluateAsync<string[][]>("() => window.__notifications");
            var notification = Assert.Single(notifications);
            Assert.Equal($"{aliceName} mentioned you in Hidden tab", notification[0]);
            Assert.Equal($"@{bobName} are you there?", notification[1]);

            // Back on the tab: the title is the room's again.
            await SetHiddenAsync(bobPage, false);
            await Expect(bobPage).ToHaveTitleAsync(title);
        });

    [Fact]
    public Task The_room_offers_to_ask_for_notifications_until_the_person_answers() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(The_room_offers_to_ask_for_notifications_until_the_person_answers), async pages =>
        {
            var page = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("asker"));
            var permission = await page.EvaluateAsync<string>("() => Notification.permission");
            await new HomePage(page).CreateRoomAsync("Offer");
            await new RoomPage(page).WaitUntilLiveAsync();
            var offer = page.Locator("#notify-mentions");
            Assert.Equal("default", permission);
            await Expect(offer).ToBeVisibleAsync();
            await offer.ClickAsync();
            // Headless Chromium answers the prompt itself; either answer ends the offer.
            await Expect(offer).ToBeHiddenAsync();
            await Expect(page.Locator("#message-text")).ToBeFocusedAsync();
        });
}
