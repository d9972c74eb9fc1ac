using System.Collections;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Resources;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebApp.Areas.Identity;
using WebApp.Auth;
using WebApp.Localization;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Localization;

/// <summary>
/// A person whose browser asks for Japanese or Chinese reads every account page, form error and Identity error in
/// that language; form field names stay as they are; the account's own choice of language wins over the cookie and
/// Accept-Language.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed partial class AccountPagesInJapaneseAndChineseTests(ChatServer server)
{
    public static readonly string[] Cultures = ["ja", "zh-Hans"];

    /// <summary>Every account page the site exposes (Areas/Identity/Pages and Identity UI's), with what a page needs to show.</summary>
    public static readonly string[] Pages =
    [
        "/Identity/Account/Login", "/Identity/Account/Register", "/Identity/Account/Logout",
        "/Identity/Account/ForgotPassword", "/Identity/Account/ForgotPasswordConfirmation",
        "/Identity/Account/ResetPassword?code=Y29kZQ", "/Identity/Account/ResetPasswordConfirmation",
        "/Identity/Account/ConfirmEmail?userId=nobody&code=Y29kZQ", "/Identity/Account/ConfirmEmailChange?userId=nobody&email=a%40example.test&code=Y29kZQ",
        "/Identity/Account/ResendEmailConfirmation", "/Identity/Account/Lockout",
        "/Identity/Account/LoginWith2fa", "/Identity/Account/LoginWithRecoveryCode",
        "/Identity/Account/Manage", "/Identity/Account/Manage/Email", "/Identity/Account/Manage/EnableAuthenticator",
        // Identity UI's page models with the site's views.
        "/Identity/Account/AccessDenied", "/Identity/Account/Manage/ChangePassword", "/Identity/Account/Manage/PersonalData",
        "/Identity/Account/Manage/DeletePersonalData", "/Identity/Account/Manage/TwoFactorAuthentication",
        "/Identity/Account/Manage/ResetAuthenticator", "/Identity/Account/Manage/Disable2fa",
        "/Identity/Account/Manage/GenerateRecoveryCodes", "/Identity/Account/Manage/ShowRecoveryCodes",
    ];

    public static TheoryData<string, string> PagesInEachCulture()
    {
        var rows = new TheoryData<string, string>();
        foreach (var page in Pages)
        {
            foreach (var culture in Cultures) rows.Add(page, culture);
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(PagesInEachCulture))]
    public async Task Every_account_page_reads_in_the_browsers_language_with_the_same_form_fields(string page, string culture)
    {
        using var reader = new SiteClient(server.BaseAddress) { AcceptLanguage = culture };
        using var english = new SiteClient(server.BaseAddress);
        var translated = await PageAsync(reader, page);
        var original = await PageAsync(english, page);

        Assert.Contains($"<html lang=\"{culture}\"", translated);
        var shown = ShownText(translated);
        var left = EnglishTexts().Where(english => Regex.IsMatch(shown, $@"(?<![\p{{L}}]){Regex.Escape(english)}(?![\p{{L}}])")).ToList();
        Assert.True(left.Count == 0, $"{page} in {culture} still says: \"{string.Join("\", \"", left)}\"\n{shown}");
        // The English page does show those texts, so the check above looks where they are.
        Assert.Contains(EnglishTexts(), english => ShownText(original).Contains(english, StringComparison.Ordinal));
        Assert.Equal(FieldNames(original), FieldNames(translated));
    }

    public static TheoryData<string, string, string[]> RegistrationRefusals() => new()
    {
        { "ja", "short", ["パスワードは 6 文字以上 100 文字以下にしてください。"] },
        { "zh-Hans", "short", ["密码的长度必须在 6 到 100 个字符之间。"] },
        { "ja", "weak", ["パスワードには英数字以外の文字を 1 つ以上含めてください。", "パスワードには数字（0〜9）を 1 つ以上含めてください。", "パスワードには英大文字（A〜Z）を 1 つ以上含めてください。"] },
        { "zh-Hans", "weak", ["密码必须至少包含一个非字母数字字符。", "密码必须至少包含一个数字（0-9）。", "密码必须至少包含一个大写字母（A-Z）。"] },
        { "ja", "mismatch", ["パスワードと確認用パスワードが一致しません。"] },
        { "zh-Hans", "mismatch", ["密码和确认密码不一致。"] },
        { "ja", "taken", ["メールアドレス「{0}」はすでに使われています。"] },
        { "zh-Hans", "taken", ["电子邮件地址“{0}”已被使用。"] },
        { "ja", "missing", ["メールアドレスを入力してください。", "パスワードを入力してください。"] },
        { "zh-Hans", "missing", ["请输入电子邮件。", "请输入密码。"] },
        { "ja", "not-an-email", ["メールアドレスの形式が正しくありません。"] },
        { "zh-Hans", "not-an-email", ["电子邮件不是有效的电子邮件地址。"] },
    };

    [Theory]
    [MemberData(nameof(RegistrationRefusals))]
    public async Task Registration_refusals_read_in_the_browsers_language(string culture, string refusal, string[] expected)
    {
        using var person = new SiteClient(server.BaseAddress) { AcceptLanguage = culture };
        var email = SiteClient.NewEmail("reg");
        if (refusal == "taken") await new SiteClient(server.BaseAddress).RegisterAsync(email);
        var (password, confirm) = refusal switch
        {
            "short" => ("Ab1!x", "Ab1!x"),
            "weak" => ("abcdefghij", "abcdefghij"),
            "mismatch" => (SiteClient.Password, SiteClient.Password + "2"),
            "missing" => ("", ""),
            _ => (SiteClient.Password, SiteClient.Password),
        };
        var response = await person.PostFormAsync("/Identity/Account/Register", new()
        {
            ["Input.Email"] = refusal switch { "missing" => "", "not-an-email" => "not-an-email", _ => email },
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = confirm,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var shown = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        foreach (var text in expected) Assert.Contains(string.Format(CultureInfo.InvariantCulture, text, email), shown);
        Assert.DoesNotContain("Passwords must", shown);
        Assert.DoesNotContain("is already taken", shown);
        Assert.DoesNotContain(" field is required", shown);
    }

    /// <summary>Identity UI's own page model (its attributes carry no messages of ours) answers in the reader's language too.</summary>
    [Theory]
    [InlineData("ja", "現在のパスワードを入力してください。", "新しいパスワードは 6 文字以上 100 文字以下にしてください。", "パスワードが正しくありません。")]
    [InlineData("zh-Hans", "请输入当前密码。", "新密码的长度必须在 6 到 100 个字符之间。", "密码不正确。")]
    public async Task Changing_the_password_is_refused_in_the_readers_language(string culture, string required, string tooShort, string wrongPassword)
    {
        using var person = new SiteClient(server.BaseAddress) { AcceptLanguage = culture };
        await person.RegisterAsync();
        const string page = "/Identity/Account/Manage/ChangePassword";

        var invalid = await person.PostFormAsync(page, new() { ["Input.OldPassword"] = "", ["Input.NewPassword"] = "Ab1!", ["Input.ConfirmPassword"] = "Ab1!" });
        var wrong = await person.PostFormAsync(page, new() { ["Input.OldPassword"] = "Not-the-Pa$$w0rd", ["Input.NewPassword"] = "N3w-Pa$$word", ["Input.ConfirmPassword"] = "N3w-Pa$$word" });

        var invalidHtml = WebUtility.HtmlDecode(await invalid.Content.ReadAsStringAsync());
        Assert.Contains(required, invalidHtml);
        Assert.Contains(tooShort, invalidHtml);
        Assert.Contains(wrongPassword, WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync()));
    }

    [Theory]
    [InlineData("ja", "パスワードが正しくありません。")]
    [InlineData("zh-Hans", "密码不正确。")]
    [InlineData("en", "Incorrect password.")]
    public async Task Closing_the_account_with_a_wrong_password_is_refused_in_the_readers_language(string culture, string refusal)
    {
        using var person = new SiteClient(server.BaseAddress) { AcceptLanguage = culture };
        var email = await person.RegisterAsync();

        var response = await person.PostFormAsync("/Identity/Account/Manage/DeletePersonalData", new() { ["Input.Password"] = "Not-the-Pa$$w0rd" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"<li>{refusal}</li>", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        Assert.True(await server.QueryAsync(db => Task.FromResult(db.Users.Any(u => u.Email == email))), "the account is still there");
    }

    [Theory]
    [InlineData("ja", "メールアドレスを入力してください。", "パスワードは 6 文字以上 100 文字以下にしてください。", "パスワードと確認用パスワードが一致しません。")]
    [InlineData("zh-Hans", "请输入电子邮件。", "密码的长度必须在 6 到 100 个字符之间。", "密码和确认密码不一致。")]
    public async Task Client_side_validation_messages_are_in_the_browsers_language(string culture, string required, string length, string compare)
    {
        using var person = new SiteClient(server.BaseAddress) { AcceptLanguage = culture };
        var html = WebUtility.HtmlDecode(await person.Http.GetStringAsync("/Identity/Account/Register"));

        Assert.Contains($"data-val-required=\"{required}\"", html);
        Assert.Contains($"data-val-length=\"{length}\"", html);
        Assert.Contains($"data-val-equalto=\"{compare}\"", html);
        Assert.DoesNotMatch(@"data-val-[a-z]+=""[^""]*\b(The|field|must|match)\b", html);
    }

    /// <summary>Every text Identity's error describer produces, in each language, from the describer the site resolves.</summary>
    [Fact]
    public void Every_identity_error_is_translated_and_english_reads_as_identitys()
    {
        using var scope = server.Services.CreateScope();
        var describer = scope.ServiceProvider.GetRequiredService<IdentityErrorDescriber>();
        var methods = typeof(IdentityErrorDescriber).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(method => method.IsVirtual && method.ReturnType == typeof(IdentityError))
            .ToList();
        Assert.True(methods.Count >= 22, $"only {methods.Count} describer methods found");

        var missing = new List<string>();
        foreach (var method in methods)
        {
            var arguments = method.GetParameters().Select(p => p.ParameterType == typeof(int) ? (object)7 : "someone@example.test").ToArray();
            string Describe(IdentityErrorDescriber with, string culture)
            {
                var before = CultureInfo.CurrentUICulture;
                CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
                try
                {
                    return ((IdentityError)method.Invoke(with, arguments)!).Description;
                }
                finally
                {
                    CultureInfo.CurrentUICulture = before;
                }
            }
            var english = Describe(describer, "en");
            Assert.Equal(Describe(new IdentityErrorDescriber(), "en"), english);
            Assert.Equal(((IdentityError)method.Invoke(new IdentityErrorDescriber(), arguments)!).Code, ((IdentityError)method.Invoke(describer, arguments)!).Code);
            foreach (var culture in Cultures)
            {
                var translated = Describe(describer, culture);
                if (translated == english || string.IsNullOrWhiteSpace(translated)) missing.Add($"{method.Name} in {culture}");
            }
        }
        Assert.True(missing.Count == 0, "untranslated: " + string.Join(", ", missing));
    }

    [Theory]
    [InlineData("ja", "値「x」はサインインしたままにするとして無効です。", "数値を入力してください。")]
    [InlineData("zh-Hans", "值“x”对保持登录状态无效。", "此字段必须是数字。")]
    [InlineData("en", "The value 'x' is not valid for Keep me signed in.", "The field must be a number.")]
    public void Model_bindings_messages_are_in_the_requests_language(string culture, string invalid, string notANumber)
    {
        var messages = server.Services.GetRequiredService<IOptions<MvcOptions>>().Value.ModelBindingMessageProvider;
        var before = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            var field = culture switch { "ja" => "サインインしたままにする", "zh-Hans" => "保持登录状态", _ => "Keep me signed in" };
            Assert.Equal(invalid, messages.AttemptedValueIsInvalidAccessor("x", field));
            Assert.Equal(notANumber, messages.NonPropertyValueMustBeANumberAccessor());
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public async Task The_accounts_choice_beats_the_cookie_and_accept_language()
    {
        using var person = new SiteClient(server.BaseAddress) { AcceptLanguage = "zh-Hans" };
        await person.RegisterAsync();
        var chosen = await person.PostFormAsync("/Language", new() { ["culture"] = "ja", ["returnUrl"] = "/Identity/Account/Manage" }, formPage: "/Identity/Account/Manage");
        Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
        person.Cookies.Add(server.BaseAddress, new Cookie(".AspNetCore.Culture", Uri.EscapeDataString(LocalizationExtensions.CookieValue("en"))));

        var page = await person.Http.GetAsync("/Identity/Account/Manage");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("ja", page.Content.Headers.ContentLanguage.Single());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"ja\"", html);
        Assert.Contains("アカウントの管理", html);
    }

    /// <summary>The page's HTML, after what it needs: a signed-in person for Manage, a two-factor sign-in under way for its two pages.</summary>
    private static async Task<string> PageAsync(SiteClient visitor, string page)
    {
        if (page.StartsWith("/Identity/Account/Manage/", StringComparison.Ordinal)
            && (page.EndsWith("2fa", StringComparison.Ordinal) || page.EndsWith("RecoveryCodes", StringComparison.Ordinal)))
        {
            // Pages for an account with two-factor sign-in on; ShowRecoveryCodes right after it was turned on.
            await visitor.RegisterAsync();
            await visitor.EnableAuthenticatorAsync();
        }
        else if (page.Contains("/Manage", StringComparison.Ordinal))
        {
            await visitor.RegisterAsync();
        }
        else if (page.Contains("LoginWith", StringComparison.Ordinal))
        {
            var email = await visitor.RegisterAsync();
            await visitor.EnableAuthenticatorAsync();
            await visitor.SignOutAsync();
            var signIn = await visitor.LoginAsync(email);
            Assert.StartsWith("/Identity/Account/LoginWith2fa", signIn.Headers.Location!.OriginalString);
        }
        var response = await visitor.Http.GetAsync(page);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page} answered {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// What a reader meets: the text between tags and the values of title, aria-label, alt and data-val-* attributes
    /// (client-side validation messages), entity-decoded; scripts are left out.
    /// </summary>
    private static string ShownText(string html)
    {
        html = Script().Replace(html, " ");
        var attributes = ReadAttribute().Matches(html).Select(match => match.Groups[1].Value);
        var text = Tag().Replace(html, " ");
        return WebUtility.HtmlDecode(string.Join(" | ", attributes.Prepend(text)));
    }

    /// <summary>The names of the form fields a page posts, in order.</summary>
    private static List<string> FieldNames(string html) => FieldName().Matches(html).Select(match => match.Groups[1].Value).ToList();

    /// <summary>
    /// The English texts the account pages translated: IdentityText's and ValidationText's keys (their placeholders cut
    /// out, leaving the words around them), with the language menu's autonyms and the brand allowed.
    /// </summary>
    private static List<string> EnglishTexts() =>
    [
        .. new[] { typeof(IdentityText), typeof(ValidationText) }
            .SelectMany(marker => Keys(marker))
            .SelectMany(key => Placeholder().Split(key))
            .Select(part => part.Trim(' ', '"', '.', ':', '?', '(', ')'))
            .Where(part => part.Length >= 4 && part.Any(char.IsLetter))
            .Distinct(),
    ];

    private static IEnumerable<string> Keys(Type marker) =>
        new ResourceManager(marker.FullName!, marker.Assembly).GetResourceSet(CultureInfo.InvariantCulture, true, false)!
            .Cast<DictionaryEntry>().Select(entry => (string)entry.Key);

    [GeneratedRegex(@"<script\b[^>]*>.*?</script>", RegexOptions.Singleline)]
    private static partial Regex Script();

    [GeneratedRegex(@"\s(?:title|aria-label|alt|data-val-[a-z]+)=""([^""]*)""")]
    private static partial Regex ReadAttribute();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\sname=""([^""]*)""")]
    private static partial Regex FieldName();

    [GeneratedRegex(@"\{\d\}")]
    private static partial Regex Placeholder();
}
