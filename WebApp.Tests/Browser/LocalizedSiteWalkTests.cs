using Microsoft.Playwright;
using WebApp.Testing;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Browser;

/// <summary>
/// The whole site in Japanese and in Simplified Chinese, as a person whose browser asks for that language meets it:
/// the site walk (every page signed out and in, the live room, every account page, two-factor sign-in) in a Chromium
/// set to the language, and on every page a search for English UI text. What people typed (messages, room and display
/// names, addresses), codes and keys, the brand and each language's own name in the menu are not UI text.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class LocalizedSiteWalkTests(ChatServer server, ChromiumBrowser chromium)
{
    /// <summary>
    /// Latin words allowed on a translated page: the brand, abbreviations the languages themselves use (UTC, QR,
    /// TOTP), the names printed on keys (Enter, Shift) and names of other products (authenticator apps).
    /// </summary>
    private static readonly string[] AllowedWords =
    [
        "Chat", "UTC", "QR", "URL", "TOTP", "Enter", "Shift", "Microsoft", "Authenticator", "Google", "Android", "iOS",
    ];

    /// <summary>
    /// Where people's own words, codes and language names are shown (never translated). An input's value is never
    /// read (only its placeholder, label and title); the composer's placeholder names the room and the display name
    /// field's shows the name derived from the email, so both are left out.
    /// </summary>
    private const string NotUiText =
        "script, style, noscript, template, kbd, code, pre, bdi, [lang='en'], [translate='no'], .brand, #account-link, #room-title, " +
        ".message-text, .message-author, .room-name, .room-title-text, .room-link, .presence-name, .profile-card-name, " +
        ".search-result-text, .mention, textarea, #Input_DisplayName";

    /// <summary>
    /// Every text on the page (text nodes, labels read by assistive technology, tooltips, placeholders, button values,
    /// the document title) holding a Latin word of three letters or more that is not allowed: "where: text" each.
    /// Addresses and links are removed first; hidden elements count too (they are shown later, in the same language).
    /// </summary>
    private const string FindEnglishScript = """
        ([notUiText, allowed]) => {
            const found = [];
            const scan = (text, where) => {
                const cleaned = text.replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' ').replace(/\b(https?|wss?):\/\/\S+/g, ' ');
                const words = (cleaned.match(/[A-Za-z]{3,}/g) || []).filter(w => !allowed.includes(w));
                if (words.length) found.push(`${where}: "${text.trim().replace(/\s+/g, ' ').slice(0, 100)}"`);
            };
            const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.classList.length ? '.' + [...el.classList].join('.') : '');
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode;
                const parent = node.parentElement;
                if (!parent || !node.textContent.trim() || parent.closest(notUiText)) continue;
                scan(node.textContent, name(parent));
            }
            for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], [alt], [aria-description], input[type=submit], input[type=button]')) {
                if (el.closest(notUiText) && !el.matches('input[type=submit], input[type=button]')) continue;
                for (const attribute of ['aria-label', 'title', 'placeholder', 'alt', 'aria-description']) {
                    const value = el.getAttribute(attribute);
                    if (value) scan(value, `${name(el)}[${attribute}]`);
                }
                if (el.matches('input[type=submit], input[type=button]') && el.value) scan(el.value, `${name(el)}[value]`);
            }
            // A room's title starts with its name (someone's words): only the part after it is the site's.
            const title = location.pathname.startsWith('/rooms/') ? document.title.split(' · ').slice(1).join(' · ') : document.title;
            scan(title, 'title');
            return found;
        }
        """;

    [Theory]
    [InlineData("ja-JP", "ja")]
    [InlineData("zh-CN", "zh-Hans")]
    public Task Every_page_is_in_the_browsers_language_with_no_english_ui_text(string locale, string expectedLang) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(Every_page_is_in_the_browsers_language_with_no_english_ui_text)}-{expectedLang}", async pages =>
        {
            var email = SiteClient.NewEmail("walker");
            var page = await chromium.NewPersonAsync(server.BaseAddress, locale: locale);
            pages.Add(page);
            var account = new PageObjects.AccountPages(page);
            await account.RegisterAsync(email, SiteClient.Password);
            await account.SignOutAsync();

            var english = new List<string>();
            async Task InspectAsync(string path)
            {
                var lang = await page.EvaluateAsync<string>("() => document.documentElement.lang");
                if (lang != expectedLang) english.Add($"{path}: <html lang=\"{lang}\">");
                foreach (var text in await page.EvaluateAsync<string[]>(FindEnglishScript, new object[] { NotUiText, AllowedWords }))
                {
                    english.Add($"{path}: {text}");
                }
            }

            var report = await SiteWalk.RunAsync(page, server.BaseAddress, new(email, SiteClient.Password), inspect: InspectAsync);

            // Pages the walk does not reach because they answer an error status.
            foreach (var path in new[] { "/rooms/no-such-room-here", "/Status?code=403", "/Status?code=429", "/Status?code=400", "/Status?code=500" })
            {
                await page.GotoAsync(path);
                await InspectAsync(path);
            }

            Assert.True(report.Problems.Count == 0, string.Join("\n", report.Problems));
            Assert.True(english.Count == 0, $"English UI text in {expectedLang}:\n{string.Join("\n", english.Distinct())}");
            Assert.Contains(report.Visited, path => path.StartsWith("/rooms/", StringComparison.Ordinal));
        });

    [Fact]
    public async Task The_finder_sees_english_ui_text_and_ignores_what_people_typed()
    {
        var page = await chromium.NewPersonAsync(server.BaseAddress, locale: "ja-JP");
        try
        {
            await page.SetContentAsync("""
                <html lang="ja"><head><title>ホーム · Chat</title></head><body>
                <button>送信</button><p class="message-text">Hello everyone</p><a class="room-name">General chat</a>
                <span>you@example.test に送りました</span><button aria-label="Close dialog">×</button>
                <p hidden>Reconnecting</p><input type="submit" value="保存"><label>Send message</label>
                <input type="password" placeholder="password"><input type="text" value="What I typed"></body></html>
                """);
            var found = await page.EvaluateAsync<string[]>(FindEnglishScript, new object[] { NotUiText, AllowedWords });

            Assert.Equal(4, found.Length);
            Assert.Contains(found, text => text.Contains("[placeholder]", StringComparison.Ordinal));
            Assert.Contains(found, text => text.Contains("Close dialog", StringComparison.Ordinal));
            Assert.Contains(found, text => text.Contains("Reconnecting", StringComparison.Ordinal));
            Assert.Contains(found, text => text.Contains("Send message", StringComparison.Ordinal));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
