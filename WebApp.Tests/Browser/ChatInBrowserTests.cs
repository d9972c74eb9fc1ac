using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WebApp.Chat;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

[Collection(ChatServerCollection.Name)]
public sealed class ChatInBrowserTests(ChatServer server, ChromiumBrowser chromium)
{
    private Task<IPage> SignedInPersonAsync(List<IPage> pages, string who) =>
        chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail(who));

    [Fact]
    public Task The_main_story_chat_reload_and_sign_out() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(The_main_story_chat_reload_and_sign_out), pages =>
            UserStories.TwoPeopleChatReloadAndSignOutAsync(chromium, server.BaseAddress, pages));

    [Fact]
    public Task Two_people_chat_both_ways_in_real_time() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Two_people_chat_both_ways_in_real_time), async pages =>
        {
            var alicePage = await SignedInPersonAsync(pages, "alice");
            var bobPage = await SignedInPersonAsync(pages, "bob");
            var slug = await new HomePage(alicePage).CreateRoomAsync("Browser chat");
            var alice = new RoomPage(alicePage);
            var bob = new RoomPage(bobPage);
            await alice.WaitUntilLiveAsync();
            await bob.OpenAsync(slug);

            await alice.SendWithEnterAsync("Hi Bob, it's <b>Alice</b>");
            await Expect(bob.MessageWithText("Hi Bob, it's <b>Alice</b>")).ToBeVisibleAsync();
            await Expect(alice.Composer).ToHaveValueAsync("");
            await Expect(alice.Composer).ToBeFocusedAsync();

            await bob.Composer.FillAsync("Hello Alice!");
            await bobPage.ClickAsync("#send");
            await Expect(alice.MessageWithText("Hello Alice!")).ToBeVisibleAsync();

            await Expect(alice.Messages).ToHaveCountAsync(2);
            await Expect(bob.Messages).ToHaveCountAsync(2);
            await Expect(alicePage.Locator("#messages .message.mine")).ToHaveCountAsync(1);
        });

    [Fact]
    public Task Reload_never_shows_the_login_page() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Reload_never_shows_the_login_page), async pages =>
        {
            var page = await SignedInPersonAsync(pages, "reloader");
            var slug = await new HomePage(page).CreateRoomAsync("Reloads");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();
            await room.SendWithEnterAsync("still here after reloads");
            await Expect(room.MessageWithText("still here after reloads")).ToBeVisibleAsync();

            var requested = new List<string>();
            page.Request += (_, request) => requested.Add(request.Url);
            page.FrameNavigated += (_, frame) => requested.Add(frame.Url);
            for (var i = 0; i < 5; i++)
            {
                await page.ReloadAsync();
                await Expect(room.MessageWithText("still here after reloads")).ToBeVisibleAsync();
                await room.WaitUntilLiveAsync();
            }

            Assert.Contains(requested, url => url.EndsWith($"/rooms/{slug}"));
            Assert.DoesNotContain(requested, url => url.Contains(AccountPages.LoginPath, StringComparison.OrdinalIgnoreCase));
        });

    [Fact]
    public Task Signing_out_shows_the_login_page_on_the_next_visit() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Signing_out_shows_the_login_page_on_the_next_visit), async pages =>
        {
            var page = await SignedInPersonAsync(pages, "leaver");
            var slug = await new HomePage(page).CreateRoomAsync("Leaving");
            await new RoomPage(page).WaitUntilLiveAsync();

            await new AccountPages(page).SignOutAsync();
            await page.GotoAsync($"/rooms/{slug}");

            Assert.Contains(AccountPages.LoginPath, page.Url);
            Assert.Contains($"ReturnUrl=%2Frooms%2F{slug}", page.Url);
        });

    [Fact]
    public Task Lost_session_sends_the_page_to_login_when_it_needs_a_new_token() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Lost_session_sends_the_page_to_login_when_it_needs_a_new_token), async pages =>
        {
            var page = await SignedInPersonAsync(pages, "expired");
            var slug = await new HomePage(page).CreateRoomAsync("Session ends");
            await new RoomPage(page).WaitUntilLiveAsync();

            await page.Context.ClearCookiesAsync();
            await CloseEverySocketInAsync(slug);

            await page.WaitForURLAsync($"**{AccountPages.LoginPath}**");
        });

    [Fact]
    public Task Dropped_socket_reconnects_with_a_fresh_token() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Dropped_socket_reconnects_with_a_fresh_token), async pages =>
        {
            var page = await SignedInPersonAsync(pages, "reconnector");
            var slug = await new HomePage(page).CreateRoomAsync("Reconnects");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();
            var tokenRequests = 0;
            page.Request += (_, request) => { if (request.Url.Contains("handler=SocketToken")) tokenRequests++; };

            await CloseEverySocketInAsync(slug);
            await Expect(room.Status).Not.ToHaveAttributeAsync("data-state", "live");
            await room.WaitUntilLiveAsync();

            Assert.Equal(1, tokenRequests);
            Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length + sessionStorage.length"));
            Assert.DoesNotContain(await page.Context.CookiesAsync(), cookie => cookie.Value.StartsWith("eyJ"));
            await room.SendWithEnterAsync("back online");
            await Expect(room.MessageWithText("back online")).ToBeVisibleAsync();
        });

    [Fact]
    public Task Enter_sends_but_shift_enter_and_ime_composition_do_not() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Enter_sends_but_shift_enter_and_ime_composition_do_not), async pages =>
        {
            var page = await SignedInPersonAsync(pages, "typist");
            await new HomePage(page).CreateRoomAsync("Keyboard");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();

            await room.Composer.FillAsync("first line");
            await room.Composer.PressAsync("Shift+Enter");
            await room.Composer.PressSequentiallyAsync("second line");
            await Expect(room.Composer).ToHaveValueAsync("first line\nsecond line");

            // Enter that confirms an IME candidate (Japanese, Chinese…) arrives with isComposing set.
            await room.Composer.DispatchEventAsync("keydown", new { key = "Enter", code = "Enter", isComposing = true, bubbles = true, cancelable = true });
            await room.Composer.DispatchEventAsync("keydown", new { key = "Enter", code = "Enter", keyCode = 229, bubbles = true, cancelable = true });
            await Expect(room.Composer).ToHaveValueAsync("first line\nsecond line");
            await Expect(room.Messages).ToHaveCountAsync(0);

            await room.Composer.PressAsync("Enter");
            await Expect(room.Messages).ToHaveCountAsync(1);
            await Expect(page.Locator("#messages .message-text")).ToHaveTextAsync("first line\nsecond line");
        });

    [Fact]
    public Task Room_name_errors_show_inline_without_leaving_the_page() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Room_name_errors_show_inline_without_leaving_the_page), async pages =>
        {
            var page = await SignedInPersonAsync(pages, "namer");
            var home = new HomePage(page);
            await home.OpenAsync();
            await page.EvaluateAsync("window.loadedOnce = true");

            await home.SubmitRoomAsync("   ");

            await Expect(home.NameError).ToHaveTextAsync("Give the room a name.");
            Assert.True(await page.EvaluateAsync<bool>("window.loadedOnce === true"), "the page was reloaded instead of swapping the form");
        });

    [Fact]
    public Task Room_name_errors_still_show_with_javascript_off() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Room_name_errors_still_show_with_javascript_off), async pages =>
        {
            var page = await chromium.NewPersonAsync(server.BaseAddress, javaScriptEnabled: false);
            pages.Add(page);
            await new AccountPages(page).RegisterAsync(SiteClient.NewEmail("nojs"), SiteClient.Password);
            var home = new HomePage(page);
            await home.OpenAsync();

            await home.SubmitRoomAsync("   ");
            await page.WaitForLoadStateAsync();

            await Expect(home.NameError).ToHaveTextAsync("Give the room a name.");
        });

    [Fact]
    public Task Unknown_room_shows_a_not_found_page() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Unknown_room_shows_a_not_found_page), async pages =>
        {
            var page = await SignedInPersonAsync(pages, "lost");

            var response = await page.GotoAsync("/rooms/there-is-no-such-room");

            Assert.Equal(404, response!.Status);
            await Expect(page.Locator("h1")).ToHaveTextAsync("Not found");
        });

    /// <summary>What a server restart or network drop looks like to the page: the server closes its sockets.</summary>
    private async Task CloseEverySocketInAsync(string slug)
    {
        var rooms = server.Services.GetRequiredService<LiveRooms>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<ChatSession> sockets;
        // The page shows Live as soon as its socket opens; the server adds it to the room a moment later.
        while ((sockets = rooms.Sessions.Where(c => c.Grant.Room == slug).ToList()).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no socket joined the room");
            await Task.Delay(10);
        }
        foreach (var socket in sockets) socket.Close(WebSocketCloseStatus.EndpointUnavailable, "test drops the connection");
    }
}
