using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>Every author shown carries a profile card on hover and on keyboard focus, dismissible with Escape.</summary>
[Collection(ChatServerCollection.Name)]
public sealed class ProfileCardInBrowserTests(ChatServer server, ChromiumBrowser chromium)
{
    [Fact]
    public Task An_authors_card_shows_on_hover_and_on_focus_and_escape_dismisses_it() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(An_authors_card_shows_on_hover_and_on_focus_and_escape_dismisses_it), async pages =>
        {
            var alicePage = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("alice"));
            var bobPage = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("bob"));
            var name = $"Carded {Guid.NewGuid().ToString("N")[..6]}";
            await new AccountPages(alicePage).SetDisplayNameAsync(name);
            var slug = await new HomePage(alicePage).CreateRoomAsync("Cards");
            var alice = new RoomPage(alicePage);
            await alice.WaitUntilLiveAsync();
            await alice.SendAndWaitAsync("hover my name");
            var bob = new RoomPage(bobPage);
            await bob.OpenAsync(slug);
            var author = bobPage.Locator("#messages .message-author").First;
            var card = bobPage.Locator("#profile-card-popup");

            await author.HoverAsync();
            await Expect(card).ToBeVisibleAsync();
            await Expect(card.Locator(".profile-card-name")).ToHaveTextAsync(name);
            await Expect(card.Locator(".profile-card-since")).ToContainTextAsync("Member since");
            await Expect(author).ToHaveAttributeAsync("aria-describedby", "profile-card-popup");
            await bobPage.Keyboard.PressAsync("Escape");
            await Expect(card).ToBeHiddenAsync();

            await bobPage.Mouse.MoveAsync(0, 0);
            await author.FocusAsync();
            await Expect(card).ToBeVisibleAsync();
            await Expect(card.Locator(".profile-card-name")).ToHaveTextAsync(name);
            // Without a script the name is still a link to the profile page.
            await Expect(author).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^/people/[^/]+$"));
        });
}
