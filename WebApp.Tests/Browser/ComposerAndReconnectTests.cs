using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WebApp.Chat;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// Nothing typed is cut or lost at the length limit, and a page that lost its socket offers "Retry now" and
/// reconnects the moment it is asked to.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class ComposerAndReconnectTests(ChatServer server, ChromiumBrowser chromium)
{
    [Theory]
    [InlineData(2100)]
    [InlineData(2001)]
    [InlineData(5000)]
    public Task A_paste_over_the_limit_is_kept_whole_counted_and_refused_with_a_reason(int length) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(A_paste_over_the_limit_is_kept_whole_counted_and_refused_with_a_reason)}-{length}", async pages =>
        {
            var page = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("paster"));
            await new HomePage(page).CreateRoomAsync("Long pastes");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();
            var text = string.Concat(Enumerable.Repeat("長文ペースト。", length / 7 + 1))[..length];

            // As a paste arrives: one insertion, which a maxlength attribute would cut silently.
            await room.Composer.FocusAsync();
            await page.Keyboard.InsertTextAsync(text);

            Assert.Equal(length, (await room.Composer.InputValueAsync()).Length);
            var counter = page.Locator("#composer-count");
            await Expect(counter).ToBeVisibleAsync();
            await Expect(counter).ToHaveTextAsync($"{length - 2000} characters over the limit of 2000");
            await room.Composer.PressAsync("Enter");
            await Expect(room.Error).ToContainTextAsync("at most 2000 characters");
            await Expect(page.Locator("#pending .message")).ToHaveCountAsync(0);
            Assert.Equal(text, await room.Composer.InputValueAsync());

            // Shortened to the limit, it goes.
            await room.Composer.FillAsync(text[..2000]);
            await Expect(counter).ToHaveTextAsync("0 characters left");
            await room.Composer.PressAsync("Enter");
            await Expect(room.Messages).ToHaveCountAsync(1);
        });

    [Fact]
    public Task While_reconnecting_the_page_offers_retry_now_and_it_connects_at_once() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(While_reconnecting_the_page_offers_retry_now_and_it_connects_at_once), async pages =>
        {
            var page = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("retrier"));
            var slug = await new HomePage(page).CreateRoomAsync("Retry now");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();
            var retry = page.GetByRole(AriaRole.Button, new() { Name = "Retry now" });
            await Expect(retry).ToBeHiddenAsync();

            // The token request fails for a while: the page keeps backing off, and says so.
            await page.RouteAsync("**/*handler=SocketToken*", route => route.AbortAsync());
            foreach (var session in server.Services.GetRequiredService<LiveRooms>().Sessions.Where(s => s.Grant.Room == slug).ToList())
            {
                session.Close(WebSocketCloseStatus.EndpointUnavailable, "test drops the connection");
            }
            await Expect(room.Status).ToHaveAttributeAsync("data-state", "reconnecting");
            await Expect(retry).ToBeVisibleAsync();
            // Let a few attempts fail, so the next scheduled one is seconds away.
            var failures = 0;
            page.RequestFailed += (_, request) => { if (request.Url.Contains("handler=SocketToken")) Interlocked.Increment(ref failures); };
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (Volatile.Read(ref failures) < 3)
            {
                Assert.True(DateTime.UtcNow < deadline, "the page stopped retrying");
                await Task.Delay(50);
            }

            await page.UnrouteAsync("**/*handler=SocketToken*");
            await retry.ClickAsync();

            await Expect(room.Status).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 2_000 });
            await Expect(retry).ToBeHiddenAsync();
            await Expect(room.Composer).ToBeFocusedAsync();
        });
}
