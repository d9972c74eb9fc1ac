using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>The page keeps its socket authorized on a server whose tokens live three seconds, and obeys 4001 and 4003.</summary>
[Collection(StrictChatServerCollection.Name)]
public sealed class LiveAuthorizationTests(StrictChatServer server, ChromiumBrowser chromium)
{
    private Task<IPage> SignedInPersonAsync(List<IPage> pages, string email) =>
        chromium.NewSignedInPersonAsync(server.BaseAddress, pages, email);

    [Fact]
    public Task The_page_refreshes_its_token_in_band_and_keeps_one_socket_open() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(The_page_refreshes_its_token_in_band_and_keeps_one_socket_open), async pages =>
        {
            var page = await SignedInPersonAsync(pages, SiteClient.NewEmail("steady"));
            var sockets = 0;
            page.WebSocket += (_, _) => sockets++;
            await new HomePage(page).CreateRoomAsync("Long conversation");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();

            // Three token lifetimes.
            await page.WaitForTimeoutAsync((float)(StrictChatServer.TokenLifetime * 3).TotalMilliseconds);

            await Expect(room.Status).ToHaveAttributeAsync("data-state", "live");
            await room.SendWithEnterAsync("still the first socket");
            await Expect(room.MessageWithText("still the first socket")).ToBeVisibleAsync();
            Assert.Equal(1, sockets);
        });

    [Fact]
    public Task Removed_member_sees_no_access_and_the_page_stops_trying() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Removed_member_sees_no_access_and_the_page_stops_trying), async pages =>
        {
            using var owner = server.NewVisitor();
            var slug = await owner.SignUpWithRoomAsync("Invite only", isPrivate: true);
            var memberEmail = SiteClient.NewEmail("guest");
            var page = await SignedInPersonAsync(pages, memberEmail);
            await owner.InviteAsync(slug, memberEmail);
            var sockets = 0;
            page.WebSocket += (_, _) => sockets++;
            var room = new RoomPage(page);
            await room.OpenAsync(slug);

            var (members, _) = (await owner.Http.GetStringAsync($"/rooms/{slug}"), 0);
            var memberId = System.Text.RegularExpressions.Regex.Match(members, "userId=([0-9a-f-]{36})").Groups[1].Value;
            await owner.RemoveMemberAsync(slug, memberId);

            await Expect(room.Status).ToHaveAttributeAsync("data-state", "denied");
            await Expect(room.Error).ToHaveTextAsync("You no longer have access to this room.");
            await Expect(room.Composer).ToBeDisabledAsync();
            await page.WaitForTimeoutAsync(2000);
            Assert.Equal(1, sockets);
        });

    [Fact]
    public Task Sign_out_everywhere_sends_another_browser_to_the_login_page() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Sign_out_everywhere_sends_another_browser_to_the_login_page), async pages =>
        {
            var email = SiteClient.NewEmail("everywhere");
            var laptop = await SignedInPersonAsync(pages, email);
            var slug = await new HomePage(laptop).CreateRoomAsync("Everywhere");
            await new RoomPage(laptop).WaitUntilLiveAsync();
            using var phone = server.NewVisitor();
            await phone.LoginAsync(email);

            await phone.SignOutEverywhereAsync();

            // 4001 → the page asks for a new token → 401, the cookie's stamp is stale → login page.
            await laptop.WaitForURLAsync($"**{AccountPages.LoginPath}**");
            Assert.Contains($"ReturnUrl=%2Frooms%2F{slug}", laptop.Url);
        });
}
