using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using WebApp.Tests.Rooms;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// Open pages keep up by themselves (issue 14 point 10): the rooms list shows new rooms, counts, last activity, who is
/// online and unread within seconds, without a reload and without moving focus; a member's open private room page
/// shows the new people count after the owner adds someone.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class LiveListInBrowserTests(ChatServer server, ChromiumBrowser chromium)
{
    private readonly string _unique = Guid.NewGuid().ToString("N")[..6];

    private static ILocator RoomItem(IPage page, string slug) =>
        page.Locator("#room-list .room", new() { Has = page.Locator($"a[href='/rooms/{slug}']") });

    [Fact]
    public Task The_rooms_list_updates_by_itself_and_keeps_focus() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(The_rooms_list_updates_by_itself_and_keeps_focus), async pages =>
        {
            using var alice = server.NewVisitor();
            await alice.RegisterAsync();
            var quiet = await alice.CreateRoomAsync("Quiet " + _unique);
            var bobPage = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("bob"));
            await new HomePage(bobPage).OpenAsync();
            var quietItem = RoomItem(bobPage, quiet);
            await Expect(quietItem).ToHaveAttributeAsync("data-unread", "0");
            await Expect(quietItem.Locator(".room-online")).ToHaveTextAsync("0 online");
            var quietLink = quietItem.Locator("a");
            await quietLink.FocusAsync();
            // Set on this document only: still there at the end means the page was never reloaded.
            await bobPage.EvaluateAsync("() => window.sameDocument = true");

            var busy = await alice.CreateRoomAsync("Busy " + _unique);
            using (var socket = await alice.ConnectAsync(quiet))
            {
                await socket.PostAsync("news in the quiet room");
                await Expect(RoomItem(bobPage, busy)).ToBeVisibleAsync();
                await Expect(quietItem).ToHaveAttributeAsync("data-unread", "1");
                await Expect(quietItem.Locator(".unread-badge")).ToHaveTextAsync("1 unread");
                await Expect(quietItem.Locator(".room-count")).ToHaveTextAsync("1 message");
                await Expect(quietItem.Locator(".room-online")).ToHaveTextAsync("1 online");
                await Expect(quietItem.Locator("time")).ToHaveCountAsync(1);
            }
            await Expect(quietItem.Locator(".room-online")).ToHaveTextAsync("0 online");
            // Later polls leave the last activity in the reader's zone (local-time.js), not back in the server's UTC.
            await Expect(quietItem.Locator("time")).ToHaveAttributeAsync("data-local", new System.Text.RegularExpressions.Regex("^[A-Za-z]"));
            await Expect(quietItem.Locator("time")).Not.ToContainTextAsync("UTC");

            await Expect(quietLink).ToBeFocusedAsync();
            Assert.True(await bobPage.EvaluateAsync<bool>("() => window.sameDocument === true"));
            // The polled region itself is not a live region: a screen reader is not read the whole list every 2 s.
            Assert.Null(await bobPage.Locator("#room-list-live").GetAttributeAsync("aria-live"));
        });

    [Fact]
    public Task A_members_open_private_room_shows_the_new_people_count_after_the_owner_adds_someone() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(A_members_open_private_room_shows_the_new_people_count_after_the_owner_adds_someone), async pages =>
        {
            using var owner = server.NewVisitor();
            using var carol = server.NewVisitor();
            await owner.RegisterAsync();
            var carolEmail = await carol.RegisterAsync(SiteClient.NewEmail("carol"));
            var bobEmail = SiteClient.NewEmail("bob");
            var bobPage = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, bobEmail);
            var secret = await owner.CreateRoomAsync("Secret " + _unique, isPrivate: true);
            await owner.InviteAsync(secret, bobEmail);

            var room = new RoomPage(bobPage);
            await room.OpenAsync(secret);
            var summary = bobPage.Locator("details.members summary");
            await Expect(summary).ToHaveTextAsync("Private room · 2 people");
            await room.Composer.FocusAsync();

            await owner.InviteAsync(secret, carolEmail);

            await Expect(summary).ToHaveTextAsync("Private room · 3 people");
            await Expect(room.Composer).ToBeFocusedAsync();
        });
}
