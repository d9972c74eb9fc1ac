using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using WebApp.Pages;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// A person whose browser asks for Japanese or Simplified Chinese chats, edits, deletes and searches without meeting
/// an English string in the room: the badge, the composer, the actions menu, the editor, the dialog, typing lines and
/// search are in their language, times are written their way (and the same by the server and by local-time.js, so
/// nothing changes when the script runs), and messages and names stay exactly as typed.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class RoomInJapaneseTests(ChatServer server, ChromiumBrowser chromium)
{
    private const string Zone = "Asia/Tokyo";

    /// <summary>What the room reads like in one language.</summary>
    public sealed record Language(
        string Tag, string BrowserLocale, string Live, string Send, string MessageTo, string KeyboardHint, string Actions,
        string Edit, string Delete, string EditBox, string Deleted, string Edited, string Typing, string Results)
    {
        public override string ToString() => Tag;
    }

    public static TheoryData<Language> Languages => new()
    {
        new("ja", "ja-JP", "接続済み", "送信", "{0} にメッセージを送信", "Enter で送信", "メッセージの操作", "編集", "削除", "メッセージを編集",
            "メッセージは削除されました", "（編集済み）", "{0} さんが入力中…", "の検索結果"),
        new("zh-Hans", "zh-CN", "已连接", "发送", "发消息到 {0}", "Enter 发送", "消息操作", "编辑", "删除", "编辑消息",
            "消息已删除", "（已编辑）", "{0} 正在输入…", "的搜索结果"),
    };

    private Task<IPage> OpenAsync(List<IPage> pages, SiteClient person, Language language, bool zoneRemembered) =>
        chromium.NewPageAsAsync(person, new()
        {
            TimezoneId = Zone,
            Locale = language.BrowserLocale,
            ViewportSize = new() { Width = 1280, Height = 800 },
        }, pages, zoneRemembered ? [("tz", Uri.EscapeDataString(Zone))] : []);

    /// <summary>The room's times as .NET writes them for <paramref name="language"/> in Tokyo (LocalTimeTagHelper.Patterns).</summary>
    private static async Task AssertTimesWrittenAsync(IPage page, Language language)
    {
        var culture = CultureInfo.GetCultureInfo(language.Tag);
        var patterns = LocalTimeTagHelper.Patterns(culture);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var today = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, zone).Date;
        var times = await page.Locator("#messages time").EvaluateAllAsync<string[][]>("ts => ts.map(t => [t.dateTime, t.textContent, t.dataset.format || ''])");
        Assert.NotEmpty(times);
        foreach (var (utc, text, format) in times.Select(t => (t[0], t[1], t[2])))
        {
            var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), zone);
            var expected = format == "day" ? local.ToString(patterns.Day, culture)
                : local.Date == today ? local.ToString("HH:mm", culture) : local.ToString(patterns.Moment, culture);
            Assert.Equal(expected, text);
        }
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public Task Chatting_editing_deleting_and_searching_read_in_the_persons_language(Language language) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(Chatting_editing_deleting_and_searching_read_in_the_persons_language)}-{language.Tag}", async pages =>
        {
            using var alice = new SiteClient(server.BaseAddress) { AcceptLanguage = language.BrowserLocale };
            using var bob = new SiteClient(server.BaseAddress) { AcceptLanguage = language.BrowserLocale };
            var roomName = "東京の部屋 " + Guid.NewGuid().ToString("N")[..4];
            var slug = await alice.SignUpBothWithRoomAsync(bob, roomName);
            using (var socket = await bob.ConnectAsync(slug))
            {
                await socket.SendMessageAsync("三日前の話");
                while (!(await socket.ReceiveTextAsync()).Contains("三日前の話", StringComparison.Ordinal)) { }
            }
            // One message from three days ago, so a date is written (M月d日) as well as today's times and day headings.
            var threeDaysAgo = DateTime.UtcNow.AddDays(-3);
            await server.QueryAsync(db => db.Messages.Where(m => m.Room!.Slug == slug).ExecuteUpdateAsync(m => m.SetProperty(x => x.SentAt, threeDaysAgo)));

            // A first visit: the server does not know the zone, writes UTC, and local-time.js writes Tokyo's time in
            // the page's language, exactly as the server would have.
            var page = await OpenAsync(pages, alice, language, zoneRemembered: false);
            var room = new PageObjects.RoomPage(page);
            await room.OpenAsync(slug);
            Assert.Equal(language.Tag, await page.EvaluateAsync<string>("() => document.documentElement.lang"));
            await Expect(room.Status).ToHaveTextAsync(language.Live);
            await AssertTimesWrittenAsync(page, language);
            var older = await page.Locator("#messages .message-meta time").First.TextContentAsync();
            Assert.Matches(@"^\d{1,2}月\d{1,2}日 \d{2}:\d{2}$", older);
            Assert.Matches(@"^\d{4}年\d{1,2}月\d{1,2}日", await page.Locator("#messages .day-separator time").First.TextContentAsync());

            // Every visit after it: the server's page is the page, no time is rewritten by the script.
            await page.AddInitScriptAsync("""
                window.__rewritten = [];
                new MutationObserver((records) => {
                    for (const r of records) {
                        const el = r.type === 'characterData' ? r.target.parentElement : r.target;
                        if (el?.closest?.('time') && (r.type === 'characterData' || r.removedNodes.length > 0)) window.__rewritten.push(el.closest('time').dateTime);
                    }
                }).observe(document, { subtree: true, childList: true, characterData: true });
                """);
            await page.ReloadAsync();
            await Expect(room.Status).ToHaveTextAsync(language.Live);
            await AssertTimesWrittenAsync(page, language);
            Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__rewritten"));

            // The composer, in the language; the room's name as typed.
            await Expect(room.Composer).ToHaveAttributeAsync("placeholder", string.Format(CultureInfo.InvariantCulture, language.MessageTo, roomName));
            await Expect(page.Locator("#send")).ToHaveTextAsync(language.Send);
            await Expect(page.Locator("#composer-hint .hint-keyboard")).ToContainTextAsync(language.KeyboardHint);

            // Chat: the message exactly as typed.
            const string typed = "こんにちは、世界！ 你好 <b>";
            var id = await room.SendAndWaitAsync(typed);
            var message = room.MessageById(id);
            await Expect(message.Locator(".message-text")).ToHaveTextAsync(typed);

            // Someone typing, in the language, their name as it is.
            using (var bobSocket = await bob.ConnectAsync(slug))
            {
                await bobSocket.SendJsonAsync(new { type = "typing" });
                // Bob wrote the oldest message.
                var bobName = await page.Locator("#messages .message-author").First.TextContentAsync();
                await Expect(room.Typing).ToHaveTextAsync(string.Format(CultureInfo.InvariantCulture, language.Typing, bobName));
            }

            // Edit through the menu, in the language.
            await message.GetByRole(AriaRole.Button, new() { Name = language.Actions }).ClickAsync();
            await page.GetByRole(AriaRole.Menu, new() { Name = language.Actions }).GetByRole(AriaRole.Menuitem, new() { Name = language.Edit }).ClickAsync();
            var editor = page.GetByRole(AriaRole.Textbox, new() { Name = language.EditBox });
            await editor.FillAsync("编集 édité 編集済");
            await editor.PressAsync("Enter");
            await Expect(message.Locator(".message-text")).ToHaveTextAsync("编集 édité 編集済");
            await Expect(message.Locator(".edited-mark")).ToHaveTextAsync(language.Edited);

            // Search finds it, in the language.
            var search = await page.Context.NewPageAsync();
            pages.Add(search);
            await search.GotoAsync($"/rooms/{slug}/search?q={Uri.EscapeDataString("編集済")}");
            await Expect(search.Locator("#search-summary")).ToContainTextAsync(language.Results);
            await Expect(search.Locator(".search-result .message-text")).ToHaveTextAsync("编集 édité 編集済");
            await Expect(search.Locator(".search-result .edited-mark")).ToHaveTextAsync(language.Edited);

            // Delete through the menu and the dialog, in the language.
            await message.GetByRole(AriaRole.Button, new() { Name = language.Actions }).ClickAsync();
            await page.GetByRole(AriaRole.Menu, new() { Name = language.Actions }).GetByRole(AriaRole.Menuitem, new() { Name = language.Delete }).ClickAsync();
            await Expect(room.DeleteDialog).ToBeVisibleAsync();
            await Expect(page.Locator("#delete-confirm")).ToHaveTextAsync(language.Delete);
            await page.ClickAsync("#delete-confirm");
            await Expect(message.Locator(".message-deleted-note")).ToHaveTextAsync(language.Deleted);
        });
}
