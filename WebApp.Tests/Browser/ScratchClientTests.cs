using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

[Collection(ChatServerCollection.Name)]
public sealed class ScratchClientTests(ChatServer server, ChromiumBrowser chromium)
{
    [Fact]
    public Task Injected_frames() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Injected_frames), async pages =>
        {
            var page = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("alice"));
            var sent = new List<string>();
            var urls = new List<string>();
            IWebSocketRoute? pageSide = null;
            await page.RouteWebSocketAsync("**/ws/rooms/**", ws =>
            {
                pageSide = ws;
                urls.Add(ws.Url);
                var srv = ws.ConnectToServer();
                ws.OnMessage(frame => { sent.Add(frame.Text!); srv.Send(frame.Text!); });
            });
            var slug = await new HomePage(page).CreateRoomAsync("Scratch");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();
            var me = await page.Locator("#room").GetAttributeAsync("data-user-id");
            var id = await room.SendAndWaitAsync("hello");
            var seq = await room.MessageById(id).GetAttributeAsync("data-seq");
            Console.WriteLine($"id {id} seq {seq} url {string.Join(",", urls)}");

            pageSide!.Send($"""<article id="{id}" class="message" data-seq="{seq}" data-author-id="{me}" data-edited="true" data-event-seq="7" hx-swap-oob="true"><header class="message-meta"><span class="message-author" dir="auto">A</span> <time datetime="2026-11-30T06:00:00.000Z">x UTC</time> <span class="edited-mark">(edited)</span></header><p class="message-text" dir="auto">hi <span class="mention" data-user-id="{me}">@alice</span></p></article>""");
            await Expect(room.MessageById(id).Locator(".message-text")).ToHaveTextAsync("hi @alice");
            await Expect(room.MessageById(id)).ToHaveClassAsync("message mine mention-me");
            await Expect(RoomPage.ActionsButton(room.MessageById(id))).ToHaveCountAsync(1);
            await Expect(room.Messages).ToHaveCountAsync(1);

            pageSide.Send("""<article id="m-99999" class="message" data-seq="1" data-author-id="x" data-edited="true" data-event-seq="9" hx-swap-oob="true"><header class="message-meta"></header><p class="message-text">ghost</p></article>""");
            pageSide.Send("""<div class="typing-event" data-user-id="other" data-name="Zoë &quot;Z&quot;"></div>""");
            pageSide.Send($"""<div class="typing-event" data-user-id="{me}" data-name="Me"></div>""");
            await Expect(room.Typing).ToHaveTextAsync("Zoë \"Z\" is typing…");
            await Expect(room.Messages).ToHaveCountAsync(1);
            pageSide.Send("""<div class="typing-event" data-user-id="other2" data-name="Bob"></div>""");
            await Expect(room.Typing).ToHaveTextAsync("Zoë \"Z\" and Bob are typing…");
            pageSide.Send("""<article id="m-5000" class="message" data-seq="11" data-author-id="other2"><header class="message-meta"><span class="message-author">Bob</span></header><p class="message-text">from bob</p></article>""");
            await Expect(room.Typing).ToHaveTextAsync("Zoë \"Z\" is typing…");
            await Expect(room.Messages).ToHaveCountAsync(2);

            pageSide.Send($"""<article id="{id}" class="message deleted" data-seq="{seq}" data-author-id="{me}" data-deleted="true" data-event-seq="12" hx-swap-oob="true"><header class="message-meta"><span class="message-author" dir="auto">A</span> <time datetime="2026-11-30T06:00:00.000Z">x UTC</time></header><p class="message-deleted-note">Message deleted</p></article>""");
            await Expect(room.MessageById(id)).ToHaveClassAsync("message deleted mine");
            await Expect(RoomPage.ActionsButton(room.MessageById(id))).ToHaveCountAsync(0);
            await Expect(room.Typing).ToBeEmptyAsync(new() { Timeout = 15000 });

            await room.Composer.PressSequentiallyAsync("abc");
            await page.WaitForTimeoutAsync(1500);
            Console.WriteLine("SENT: " + string.Join(" | ", sent));
            await pageSide.CloseAsync(new() { Code = 1012 });
            await Expect(room.Status).Not.ToHaveAttributeAsync("data-state", "live");
            await room.WaitUntilLiveAsync();
            Console.WriteLine("URLS: " + string.Join(" | ", urls));
        });

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public Task Shots(string scheme) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Shots), async pages =>
        {
            var page = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("alice"));
            await page.SetViewportSizeAsync(390, 844);
            await page.EmulateMediaAsync(new() { ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light });
            IWebSocketRoute? pageSide = null;
            await page.RouteWebSocketAsync("**/ws/rooms/**", ws => { pageSide = ws; ws.ConnectToServer(); });
            await new HomePage(page).CreateRoomAsync("Shots");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();
            var me = await page.Locator("#room").GetAttributeAsync("data-user-id");
            var id = await room.SendAndWaitAsync("hello there, a message of mine");
            var id2 = await room.SendAndWaitAsync("this one will be edited");
            var seq = await room.MessageById(id2).GetAttributeAsync("data-seq");
            pageSide!.Send("""<article id="m-5000" class="message" data-seq="11" data-author-id="other2"><header class="message-meta"><span class="message-author">Bob</span> <time datetime="2026-11-30T06:00:00.000Z">x UTC</time></header><p class="message-text">hey <span class="mention" data-user-id="ME">@alice</span> look</p></article>""".Replace("ME", me));
            pageSide.Send("""<article id="m-5001" class="message deleted" data-seq="12" data-author-id="other2" data-deleted="true"><header class="message-meta"><span class="message-author">Bob</span> <time datetime="2026-11-30T06:00:00.000Z">x UTC</time></header><p class="message-deleted-note">Message deleted</p></article>""");
            pageSide.Send($"""<article id="{id2}" class="message" data-seq="{seq}" data-author-id="{me}" data-edited="true" data-event-seq="13" hx-swap-oob="true"><header class="message-meta"><span class="message-author" dir="auto">alice</span> <time datetime="2026-11-30T06:00:00.000Z">x UTC</time> <span class="edited-mark">(edited)</span></header><p class="message-text" dir="auto">this one was edited</p></article>""");
            pageSide.Send("""<div class="typing-event" data-user-id="other2" data-name="Bob"></div>""");
            await page.EvaluateAsync("() => document.getElementById('messages').insertAdjacentHTML('afterbegin', '<div id=\"unread-divider\" class=\"unread-divider\" role=\"separator\" aria-label=\"New messages\">New</div>')");
            await Expect(room.Typing).ToContainTextAsync("Bob");
            await RoomPage.ActionsButton(room.MessageById(id)).ClickAsync();
            await page.ScreenshotAsync(new() { Path = $"/tmp/scratch/{scheme}-menu.png" });
            await page.Keyboard.PressAsync("Escape");
            await room.Composer.PressAsync("ArrowUp");
            await page.ScreenshotAsync(new() { Path = $"/tmp/scratch/{scheme}-edit.png" });
            await room.Editor.PressAsync("Escape");
            await RoomPage.ActionsButton(room.MessageById(id)).ClickAsync();
            await room.MenuItem("Delete").ClickAsync();
            await page.ScreenshotAsync(new() { Path = $"/tmp/scratch/{scheme}-dialog.png" });
        });
}
