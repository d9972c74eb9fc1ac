using System.Net.WebSockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Chat;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// A message a person wrote either arrives or is shown as not sent, with the reason and a way on: refused for the
/// rate limit, it goes again by itself; unsent messages and drafts survive a reload, and signing out clears them.
/// On the site with production limits (10 messages a second, bursts of 20).
/// </summary>
[Collection(StrictChatServerCollection.Name)]
public sealed class NothingTypedIsLostTests(StrictChatServer server, ChromiumBrowser chromium)
{
    [Fact]
    public Task Thirty_fast_enters_all_arrive_in_order_even_past_the_rate_limit() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Thirty_fast_enters_all_arrive_in_order_even_past_the_rate_limit), async pages =>
        {
            var page = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("fast"));
            var slug = await new HomePage(page).CreateRoomAsync("Fast typing");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();
            var texts = Enumerable.Range(1, 30).Select(i => $"quick {i}").ToArray();

            // Faster than any hand: thirty messages in one go, well past the burst of 20.
            await page.EvaluateAsync("""
                (texts) => {
                    const input = document.getElementById('message-text');
                    for (const text of texts) {
                        input.value = text;
                        input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
                    }
                }
                """, texts);

            await Expect(page.Locator("#messages .message-text")).ToHaveTextAsync(texts, new() { Timeout = 30_000 });
            await Expect(page.Locator("#pending .message")).ToHaveCountAsync(0);
            Assert.Equal(30, await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)));
            await page.ReloadAsync();
            await Expect(page.Locator("#messages .message-text")).ToHaveTextAsync(texts);
        });

    [Fact]
    public Task A_message_refused_for_what_it_says_is_shown_as_not_sent_and_can_be_edited() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(A_message_refused_for_what_it_says_is_shown_as_not_sent_and_can_be_edited), async pages =>
        {
            var page = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("blank"));
            await new HomePage(page).CreateRoomAsync("Refused");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();

            // Only invisible characters: JavaScript's trim keeps them, the server refuses them.
            await room.Composer.FillAsync("\u200B\u2060");
            await room.Composer.PressAsync("Enter");

            var failed = page.Locator("#pending .message.failed");
            await Expect(failed).ToHaveCountAsync(1);
            await Expect(failed.Locator(".message-meta")).ToContainTextAsync("Not sent:");
            await failed.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
            await Expect(failed).ToHaveCountAsync(0);
            Assert.Equal("\u200B\u2060", await room.Composer.InputValueAsync());
            await Expect(room.Composer).ToBeFocusedAsync();
        });

    [Fact]
    public Task Unsent_messages_and_the_draft_survive_a_reload_and_signing_out_clears_them() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Unsent_messages_and_the_draft_survive_a_reload_and_signing_out_clears_them), async pages =>
        {
            var page = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("keeper"));
            var slug = await new HomePage(page).CreateRoomAsync("Keeps drafts");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();

            // The socket drops and no new one can be opened: a message sent now stays unacknowledged; then a draft.
            await page.RouteAsync("**/*handler=SocketToken*", route => route.AbortAsync());
            foreach (var session in server.Services.GetRequiredService<LiveRooms>().Sessions.Where(s => s.Grant.Room == slug).ToList())
            {
                session.Close(WebSocketCloseStatus.EndpointUnavailable, "test drops the connection");
            }
            await Expect(room.Status).ToHaveAttributeAsync("data-state", "reconnecting");
            await room.Composer.FillAsync("written before the reload");
            await room.Composer.PressAsync("Enter");
            await Expect(page.Locator("#pending .message")).ToHaveCountAsync(1);
            await room.Composer.FillAsync("a draft, half written");
            await page.WaitForFunctionAsync("() => Object.keys(localStorage).some(k => k.startsWith('chat.draft:'))");
            await page.UnrouteAsync("**/*handler=SocketToken*");

            await page.ReloadAsync();
            await Expect(room.Composer).ToHaveValueAsync("a draft, half written");
            // The kept message goes once the page is live again, exactly once.
            await Expect(room.MessageWithText("written before the reload")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
            await Expect(page.Locator("#pending .message")).ToHaveCountAsync(0);

            // Signing out ends the socket too (4001), so the page may go to the sign-in page before the sign-out's own
            // redirect lands: either way it leaves the room signed out.
            await page.Locator("#logout").ClickAsync();
            await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/rooms/", StringComparison.Ordinal));
            Assert.Equal(0, await page.EvaluateAsync<int>("() => Object.keys(localStorage).filter(k => k.startsWith('chat.')).length"));
        });
}
