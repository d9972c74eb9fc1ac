using System.Net;
using System.Text.RegularExpressions;
using WebApp.Testing;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Localization;

/// <summary>
/// Which language a page is in: the account's choice, then the culture cookie, then <c>Accept-Language</c>, then
/// English; <c>&lt;html lang&gt;</c> and <c>Content-Language</c> say which. The language menu (POST /Language)
/// remembers a choice in the cookie and on the account, and refuses what is not one of the site's languages.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed partial class LanguageChoiceTests(ChatServer server)
{
    private const string CultureCookie = ".AspNetCore.Culture";

    /// <summary>Accept-Language headers as browsers send them (and as nobody should), with the language they get.</summary>
    public static TheoryData<string?, string> AcceptLanguages => new()
    {
        { null, "en" },
        { "ja", "ja" },
        { "ja-JP", "ja" },
        { "ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", "ja" },
        { "zh", "zh-Hans" },
        { "zh-CN", "zh-Hans" },
        { "zh-SG", "zh-Hans" },
        { "zh-Hans", "zh-Hans" },
        { "zh-Hans-CN", "zh-Hans" },
        { "ZH-cn", "zh-Hans" },
        { "en-GB", "en" },
        { "fr-FR,fr;q=0.9", "en" },
        { "fr-FR,fr;q=0.9,ja;q=0.5", "ja" },
        { "en;q=0.1,zh-CN;q=0.9", "zh-Hans" },
        { "ja;q=0,zh-CN", "zh-Hans" },
        { "*", "en" },
        { "x-klingon, i-default", "en" },
        { "ja-JP-x-" + new string('a', 200), "en" },
        { string.Join(',', Enumerable.Repeat("de", 500)) + ",ja", "en" },
        { ";;;,,,q=1", "en" },
    };

    [Theory]
    [MemberData(nameof(AcceptLanguages))]
    public async Task A_browser_gets_the_first_site_language_it_asks_for(string? acceptLanguage, string expected)
    {
        using var visitor = new SiteClient(server.BaseAddress) { AcceptLanguage = acceptLanguage };
        using var response = await visitor.Http.GetAsync("/Identity/Account/Login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, HtmlLang(await response.Content.ReadAsStringAsync()));
        Assert.Equal(expected, Assert.Single(response.Content.Headers.ContentLanguage));
    }

    /// <summary>
    /// The room page's script texts (the <c>#chat-text</c> data block chat.js reads) are made once per language and
    /// kept: readers of each language, one after another on the same server, each get their own.
    /// </summary>
    [Fact]
    public async Task The_room_pages_script_texts_are_in_each_readers_language_one_after_another()
    {
        using var owner = server.NewVisitor();
        await owner.RegisterAsync();
        var slug = await owner.CreateRoomAsync("Script texts " + Guid.NewGuid().ToString("N")[..6]);
        foreach (var (acceptLanguage, live, offline) in new[]
                 {
                     ("en", "Live", "Offline"), ("ja", "接続済み", null), ("zh-CN", "已连接", null), ("en", "Live", "Offline"),
                 })
        {
            using var reader = new SiteClient(server.BaseAddress) { AcceptLanguage = acceptLanguage };
            await reader.RegisterAsync();
            var html = await reader.Http.GetStringAsync($"/rooms/{slug}");
            var json = ChatTextBlock().Match(html);
            Assert.True(json.Success, "no #chat-text data block on the room page");
            using var texts = System.Text.Json.JsonDocument.Parse(json.Groups[1].Value);
            Assert.Equal(live, texts.RootElement.GetProperty("live").GetString());
            if (offline is not null) Assert.Equal(offline, texts.RootElement.GetProperty("offline").GetString());
            else Assert.NotEqual("Offline", texts.RootElement.GetProperty("offline").GetString());
        }
    }

    [GeneratedRegex("""<script type="application/json" id="chat-text">(.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex ChatTextBlock();

    [Theory]
    [InlineData("ja", "zh-CN", "ja")]
    [InlineData("zh-Hans", "ja", "zh-Hans")]
    [InlineData("en", "ja", "en")]
    public async Task The_language_menu_choice_beats_the_browsers_language(string chosen, string acceptLanguage, string expected)
    {
        using var visitor = new SiteClient(server.BaseAddress) { AcceptLanguage = acceptLanguage };
        using var choice = await ChooseAsync(visitor, chosen, "/Identity/Account/Register");

        Assert.Equal(HttpStatusCode.Redirect, choice.StatusCode);
        Assert.Equal("/Identity/Account/Register", choice.Headers.Location?.OriginalString);
        var cookie = visitor.Cookies.GetCookies(server.BaseAddress)[CultureCookie];
        Assert.NotNull(cookie);
        Assert.True(cookie.HttpOnly);
        Assert.True(cookie.Expires > DateTime.Now.AddDays(300), "the choice is remembered for a year");
        Assert.Equal(expected, HtmlLang(await visitor.Http.GetStringAsync("/")));
    }

    [Fact]
    public async Task A_signed_in_persons_choice_is_kept_on_the_account_and_beats_cookie_and_browser_on_every_device()
    {
        using var laptop = new SiteClient(server.BaseAddress) { AcceptLanguage = "en-US" };
        var email = await laptop.RegisterAsync();
        using (var choice = await ChooseAsync(laptop, "ja", "/")) Assert.Equal(HttpStatusCode.Redirect, choice.StatusCode);
        Assert.Equal("ja", HtmlLang(await laptop.Http.GetStringAsync("/")));
        Assert.Equal("ja", await server.QueryAsync(db => Task.FromResult(db.Users.Single(u => u.Email == email).Culture)));

        // Another device: a Chinese browser whose culture cookie says English. The account's choice wins once signed in.
        using var phone = new SiteClient(server.BaseAddress) { AcceptLanguage = "zh-CN" };
        phone.Cookies.Add(server.BaseAddress, new System.Net.Cookie(CultureCookie, "c=en|uic=en"));
        Assert.Equal("en", HtmlLang(await phone.Http.GetStringAsync("/")));
        using (var login = await phone.LoginAsync(email)) Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("ja", HtmlLang(await phone.Http.GetStringAsync("/")));

        // Signed out again, the device's own cookie decides.
        using (await phone.SignOutAsync()) { }
        Assert.Equal("en", HtmlLang(await phone.Http.GetStringAsync("/")));
    }

    /// <summary>Values no language menu offers: other languages, other spellings, nothing, and junk.</summary>
    public static TheoryData<string> Unsupported =>
    [
        "fr", "ja-JP", "zh-CN", "zh-Hant", "zh", "", " ", "en ", "../../etc/passwd", "ja|uic=en", "c=ja|uic=ja",
        "en\r\nSet-Cookie: evil=1", new string('j', 5000), "\u202Eja",
    ];

    [Theory]
    [MemberData(nameof(Unsupported))]
    public async Task A_language_the_site_does_not_speak_is_refused_with_400_and_changes_nothing(string culture)
    {
        using var visitor = new SiteClient(server.BaseAddress);
        using var response = await ChooseAsync(visitor, culture, "/");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(visitor.Cookies.GetCookies(server.BaseAddress)[CultureCookie]);
        Assert.Contains(server.Logs.Lines, line => line.Contains("Language change refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_language_change_without_the_antiforgery_token_is_refused()
    {
        using var visitor = new SiteClient(server.BaseAddress);
        using var response = await visitor.Http.PostAsync("/Language", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["culture"] = "ja",
            ["returnUrl"] = "/",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(visitor.Cookies.GetCookies(server.BaseAddress)[CultureCookie]);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example")]
    [InlineData("\\\\evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("")]
    public async Task After_a_language_change_a_return_url_off_the_site_ends_on_the_home_page(string returnUrl)
    {
        using var visitor = new SiteClient(server.BaseAddress);
        using var response = await ChooseAsync(visitor, "ja", returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Every_page_offers_the_language_menu_with_each_language_named_in_itself()
    {
        using var visitor = new SiteClient(server.BaseAddress) { AcceptLanguage = "ja" };
        foreach (var path in new[] { "/", "/Identity/Account/Login", "/Identity/Account/Register", "/Status?code=404" })
        {
            var html = await visitor.Http.GetStringAsync(path);
            Assert.Contains("id=\"language-menu\"", html);
            Assert.Contains("lang=\"en\" class=\"language-option\">English<", html);
            Assert.Contains("lang=\"ja\" class=\"language-option\" aria-current=\"true\">日本語<", html);
            Assert.Contains("lang=\"zh-Hans\" class=\"language-option\">简体中文<", html);
        }
    }

    [Theory]
    [InlineData("/Identity/Account/Login?returnUrl=%2Frooms%2Flobby", "/Identity/Account/Login?returnUrl=%2Frooms%2Flobby")]
    [InlineData("/Identity/Account/Login?returnUrl=https%3A%2F%2Fevil.example%2F", "/Identity/Account/Login")]
    [InlineData("/Identity/Account/Login?ReturnUrl=%2F%2Fevil.example&x=1", "/Identity/Account/Login?x=1")]
    [InlineData("/Identity/Account/Login?returnUrl=%2F%5Cevil.example", "/Identity/Account/Login")]
    public async Task The_language_menu_comes_back_to_the_same_page_but_never_keeps_a_foreign_return_url(string path, string expected)
    {
        using var visitor = new SiteClient(server.BaseAddress);
        var html = await visitor.Http.GetStringAsync(path);

        var value = WebUtility.HtmlDecode(LanguageReturnUrl().Match(html).Groups[1].Value);
        Assert.Equal(expected, value);
        Assert.DoesNotContain("evil", value, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_get_of_the_language_endpoint_goes_home()
    {
        using var visitor = new SiteClient(server.BaseAddress);
        using var response = await visitor.Http.GetAsync("/Language");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    private static Task<HttpResponseMessage> ChooseAsync(SiteClient client, string culture, string returnUrl) =>
        client.PostFormAsync("/Language", new() { ["culture"] = culture, ["returnUrl"] = returnUrl }, "/");

    private static string HtmlLang(string html) => HtmlLangAttribute().Match(html).Groups[1].Value;

    [GeneratedRegex("id=\"language-form\"[^>]*>\\s*<input type=\"hidden\" name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex LanguageReturnUrl();

    [GeneratedRegex("<html lang=\"([^\"]*)\"")]
    private static partial Regex HtmlLangAttribute();
}
