using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// The room page of the published build, light and dark, on a desktop and a phone: the colour scheme follows the
/// system's, nothing overflows the screen sideways, and each view is saved as a picture
/// (<c>screenshots/docs/room-{desktop|phone}-{light|dark}.png</c> beside the test assembly; the ones in
/// <c>docs/screenshots/</c> were copied from there).
/// </summary>
[Collection(PublishedSiteCollection.Name)]
public sealed class RoomLooksTests(PublishedSiteServers servers, ChromiumBrowser chromium)
{
    [Theory]
    [InlineData(false, ColorScheme.Light)]
    [InlineData(false, ColorScheme.Dark)]
    [InlineData(true, ColorScheme.Light)]
    [InlineData(true, ColorScheme.Dark)]
    public Task The_room_follows_the_colour_scheme_and_fits_the_screen(bool phone, ColorScheme scheme) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(The_room_follows_the_colour_scheme_and_fits_the_screen)}-{phone}-{scheme}", async pages =>
        {
            var (bob, slug) = await ConversationAsync("Design review 設計レビュー", EnglishConversation);
            using var _ = bob;
            var page = await OpenRoomAsync(bob, slug, phone, new() { ColorScheme = scheme }, pages);

            var background = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
            var dark = await page.EvaluateAsync<bool>("() => matchMedia('(prefers-color-scheme: dark)').matches");
            Assert.Equal(scheme == ColorScheme.Dark, dark);
            var channels = System.Text.RegularExpressions.Regex.Matches(background, @"\d+").Take(3).Select(m => int.Parse(m.Value)).ToArray();
            Assert.True(scheme == ColorScheme.Dark ? channels.Average() < 80 : channels.Average() > 200, $"{scheme} background {background}");
            Assert.False(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > innerWidth"), "the page scrolls sideways");
            await Expect(page.Locator("#messages .mention")).ToHaveCountAsync(1);

            await SaveAsync(page, $"room-{(phone ? "phone" : "desktop")}-{scheme.ToString().ToLowerInvariant()}.png");
        });

    private static readonly string[] EnglishConversation =
    [
        "Morning! The new layout is up on staging.",
        "Notes are at https://example.com/review/42",
        "Looks good. 明日の会議で話しましょう。",
        "@{bob} can you check the phone view?",
        "On it.",
    ];

    private static readonly string[] JapaneseConversation =
    [
        "おはようございます！新しいレイアウトをステージングに上げました。",
        "メモは https://example.com/review/42 にあります",
        "いいですね。明日の会議で話しましょう。",
        "@{bob} スマホ表示を確認してもらえますか？",
        "了解です。",
    ];

    private static readonly string[] ChineseConversation =
    [
        "早上好！新的布局已经部署到预发布环境了。",
        "笔记在 https://example.com/review/42",
        "看起来不错。明天开会再讨论吧。",
        "@{bob} 能帮忙看一下手机上的显示吗？",
        "好的，马上看。",
    ];

    /// <summary>
    /// The room page in the person's language (ja, zh-Hans) on a desktop and a phone: &lt;html lang&gt; matches,
    /// nothing scrolls sideways, and no button, badge or the room title is cut or pushed out by longer or wider text;
    /// each view is saved as <c>screenshots/docs/room-{desktop|phone}-{ja|zh-Hans}.png</c> (copied to docs/screenshots).
    /// </summary>
    [Theory]
    [InlineData(false, "ja-JP", "ja")]
    [InlineData(true, "ja-JP", "ja")]
    [InlineData(false, "zh-CN", "zh-Hans")]
    [InlineData(true, "zh-CN", "zh-Hans")]
    public Task The_room_reads_in_the_persons_language_and_fits_the_screen(bool phone, string locale, string lang) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(The_room_reads_in_the_persons_language_and_fits_the_screen)}-{phone}-{lang}", async pages =>
        {
            var (bob, slug) = lang == "ja"
                ? await ConversationAsync("デザインレビュー", JapaneseConversation)
                : await ConversationAsync("设计评审", ChineseConversation);
            using var _ = bob;
            var page = await OpenRoomAsync(bob, slug, phone, new() { Locale = locale }, pages);

            Assert.Equal(lang, await page.EvaluateAsync<string>("() => document.documentElement.lang"));
            Assert.False(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > innerWidth"), "the page scrolls sideways");
            // Every visible button, badge and the header's controls show all their text (the room title may ellipsize by design).
            var cut = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('button, .btn, .badge, summary, #connection-status, .site-header a')]
                    .filter(el => el.checkVisibility() && el.getBoundingClientRect().width > 0)
                    .filter(el => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > innerWidth + 1)
                    .map(el => (el.id || el.className || el.tagName) + ': ' + el.textContent.trim().slice(0, 40))
                """);
            Assert.True(cut.Length == 0, "cut or off screen: " + string.Join("; ", cut));
            await Expect(page.Locator("#messages .mention")).ToHaveCountAsync(1);

            await SaveAsync(page, $"room-{(phone ? "phone" : "desktop")}-{lang}.png");
        });

    /// <summary>The room page as <paramref name="person"/> sees it, live, at a phone's or a desktop's size.</summary>
    private async Task<IPage> OpenRoomAsync(SiteClient person, string slug, bool phone, BrowserNewContextOptions options, List<IPage> pages)
    {
        options.ViewportSize = phone ? new() { Width = 390, Height = 844 } : new() { Width = 1280, Height = 800 };
        options.HasTouch = phone;
        options.IsMobile = phone;
        var page = await chromium.NewPageAsAsync(person, options, pages);
        await page.GotoAsync($"/rooms/{Uri.EscapeDataString(slug)}");
        await new RoomPage(page).WaitUntilLiveAsync();
        return page;
    }

    /// <summary>Saves the page as <c>screenshots/docs/{fileName}</c> beside the test assembly.</summary>
    private static async Task SaveAsync(IPage page, string fileName)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots", "docs");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(directory, fileName) });
    }

    /// <summary>
    /// Two people in a new room named <paramref name="roomName"/> who exchanged <paramref name="lines"/> (alternating
    /// from the first; <c>{bob}</c> is the second person's display name); returns the second person and the room.
    /// </summary>
    private async Task<(SiteClient Bob, string Slug)> ConversationAsync(string roomName, string[] lines)
    {
        var site = servers.DirectAddress;
        using var alice = new SiteClient(site);
        var bob = new SiteClient(site);
        var slug = await alice.SignUpBothWithRoomAsync(bob, roomName);
        await alice.SetDisplayNameAsync($"Aiko {Guid.NewGuid().ToString("N")[..4]}");
        var bobName = $"Bo {Guid.NewGuid().ToString("N")[..4]}";
        await bob.SetDisplayNameAsync(bobName);
        using var aliceSocket = await alice.ConnectAsync(slug);
        using var bobSocket = await bob.ConnectAsync(slug);
        var senders = new[] { aliceSocket, aliceSocket, bobSocket, aliceSocket, bobSocket };
        for (var i = 0; i < lines.Length; i++)
        {
            var clientId = Guid.NewGuid().ToString("N");
            await senders[i % senders.Length].SendMessageAsync(lines[i].Replace("{bob}", bobName, StringComparison.Ordinal), clientId);
            while (!(await senders[i % senders.Length].ReceiveTextAsync()).Contains($"data-client-id=\"{clientId}\"", StringComparison.Ordinal)) { }
        }
        return (bob, slug);
    }
}
