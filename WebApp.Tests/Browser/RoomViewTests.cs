using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>What a person sees while reading: who is here, older history, and new messages while scrolled up.</summary>
[Collection(ChatServerCollection.Name)]
public sealed class RoomViewTests(ChatServer server, ChromiumBrowser chromium)
{
    private Task<IPage> SignedInPersonAsync(List<IPage> pages, string who) =>
        chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail(who));

    [Fact]
    public Task Presence_shows_who_is_here_and_follows_people_coming_and_going() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Presence_shows_who_is_here_and_follows_people_coming_and_going), async pages =>
        {
            var alicePage = await SignedInPersonAsync(pages, "alice");
            var bobPage = await SignedInPersonAsync(pages, "bob");
            var bobName = await bobPage.Locator("#account-link").TextContentAsync();
            var slug = await new HomePage(alicePage).CreateRoomAsync("Who is here");
            await new RoomPage(alicePage).WaitUntilLiveAsync();
            await Expect(alicePage.Locator("#presence .presence-count")).ToHaveTextAsync("1 online");

            await new RoomPage(bobPage).OpenAsync(slug);
            var secondBobTab = await bobPage.Context.NewPageAsync();
            await new RoomPage(secondBobTab).OpenAsync(slug);

            await Expect(alicePage.Locator("#presence .presence-count")).ToHaveTextAsync("2 online");
            await Expect(alicePage.Locator("#presence")).ToContainTextAsync(bobName!);
            await Expect(secondBobTab.Locator("#presence .presence-count")).ToHaveTextAsync("2 online");

            await secondBobTab.CloseAsync();
            await bobPage.GotoAsync("/");
            await Expect(alicePage.Locator("#presence .presence-count")).ToHaveTextAsync("1 online");
            await bobPage.ReloadAsync();
            await Expect(bobPage.Locator($"a[href='/rooms/{slug}'] .room-online")).ToHaveTextAsync("1 online");
        });

    [Fact]
    public Task Load_older_keeps_the_reader_in_place_and_new_messages_wait_behind_a_marker() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Load_older_keeps_the_reader_in_place_and_new_messages_wait_behind_a_marker), async pages =>
        {
            using var writer = server.NewVisitor();
            var slug = await writer.SignUpWithRoomAsync("Scrollback");
            using var writerSocket = await writer.ConnectAsync(slug);
            for (var i = 1; i <= 70; i++)
            {
                await writerSocket.SendMessageAsync($"history {i:00}");
                await writerSocket.ReceiveTextAsync();
            }
            // A client answers the server's keep-alive pings only while it reads: keep reading while the browser works.
            using var stopReading = new CancellationTokenSource();
            var readingTask = Task.Run(async () =>
            {
                var buffer = new byte[16 * 1024];
                try { while (true) { if ((await writerSocket.ReceiveAsync(buffer, stopReading.Token)).MessageType == System.Net.WebSockets.WebSocketMessageType.Close) return; } }
                catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException) { }
            });

            var page = await SignedInPersonAsync(pages, "reader");
            var room = new RoomPage(page);
            await room.OpenAsync(slug);
            await Expect(room.Messages).ToHaveCountAsync(50);
            await page.Locator("#messages").EvaluateAsync(ScrollToTheTop);
            var oldestShown = room.MessageWithText("history 21");
            var before = (await oldestShown.BoundingBoxAsync())!.Y;

            // While older messages load, the log is busy: screen readers do not read them out as news.
            string? busyWhileLoading = null;
            await page.RouteAsync("**/rooms/*handler=Older*", async route =>
            {
                busyWhileLoading = await page.Locator("#messages").GetAttributeAsync("aria-busy");
                await route.ContinueAsync();
            });
            await page.ClickAsync("#load-older");

            await Expect(room.Messages).ToHaveCountAsync(70);
            await Expect(page.Locator("#messages .message-text").First).ToHaveTextAsync("history 01");
            Assert.InRange((await oldestShown.BoundingBoxAsync())!.Y, before - 5, before + 5);
            await Expect(page.Locator("#load-older")).ToHaveCountAsync(0);
            Assert.Equal("true", busyWhileLoading);
            await Expect(page.Locator("#messages")).Not.ToHaveAttributeAsync("aria-busy", "true");
            // One day, one heading: the one the older stretch brought replaces the one the list started with.
            await Expect(page.Locator("#messages .day-separator")).ToHaveCountAsync(1);
            await Expect(page.Locator("#message-list > *").First).ToHaveClassAsync("day-separator");

            // Scrolled up, a new message does not move the view; a marker offers to go down.
            var reading = (await oldestShown.BoundingBoxAsync())!.Y;
            await writerSocket.SendMessageAsync("news while you read");
            await Expect(room.MessageWithText("news while you read")).ToHaveCountAsync(1);
            await Expect(page.Locator("#new-messages")).ToBeVisibleAsync();
            Assert.InRange((await oldestShown.BoundingBoxAsync())!.Y, reading - 1, reading + 1);

            await page.ClickAsync("#new-messages");
            await Expect(page.Locator("#new-messages")).ToBeHiddenAsync();
            await Expect(room.MessageWithText("news while you read")).ToBeInViewportAsync();
            await stopReading.CancelAsync();
            await readingTask;
        });

    /// <summary>#messages is a column-reverse scroller: scrollTop is 0 at the bottom and negative above it.</summary>
    internal const string ScrollToTheTop = "e => e.scrollTop = -e.scrollHeight";
}
