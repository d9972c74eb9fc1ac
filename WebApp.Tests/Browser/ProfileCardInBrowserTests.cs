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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Message_on_an_authors_profile_opens_the_room_of_the_two_of_you(bool phone) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(Message_on_an_authors_profile_opens_the_room_of_the_two_of_you)}-{phone}", async pages =>
        {
            var alicePage = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("alice"));
            var bobPage = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("bob"));
            if (phone) await bobPage.SetViewportSizeAsync(390, 844);
            var slug = await new HomePage(alicePage).CreateRoomAsync("Say hi");
            var alice = new RoomPage(alicePage);
            await alice.WaitUntilLiveAsync();
            await alice.SendAndWaitAsync("message me");
            var bob = new RoomPage(bobPage);
            await bob.OpenAsync(slug);

            await bobPage.Locator("#messages .message-author").First.ClickAsync();
            await bobPage.WaitForURLAsync("**/people/*");
            await bobPage.Locator("#message-person").ClickAsync();
            await bobPage.WaitForURLAsync("**/rooms/dm-*");
            await bob.WaitUntilLiveAsync();
            await Expect(bobPage.Locator("#room-title")).ToContainTextAsync(" and ");
            await bob.SendAndWaitAsync("hi alice, privately");

            // Alice finds the same room in her list, with the message waiting.
            await alicePage.GotoAsync("/");
            var dm = alicePage.Locator($"a.room-link[href='{new Uri(bobPage.Url).AbsolutePath}']");
            await Expect(dm).ToBeVisibleAsync();
            await dm.ClickAsync();
            await Expect(alicePage.Locator("#messages")).ToContainTextAsync("hi alice, privately");
        });
}
