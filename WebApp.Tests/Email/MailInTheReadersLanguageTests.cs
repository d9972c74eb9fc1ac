using System.Net;
using MimeKit;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Email;

/// <summary>
/// Account mail (password reset, email confirmation, email change) is written in its reader's language, through a
/// real SMTP server: the language the account chose when it chose one, else the language of the browser that asked.
/// </summary>
public sealed class MailInTheReadersLanguageTests(PlainSmtpChatServer site) : IClassFixture<PlainSmtpChatServer>
{
    /// <summary>Each mail's subject and a sentence of its body, by mail and language.</summary>
    private static readonly Dictionary<(string Mail, string Culture), (string Subject, string Body)> Expected = new()
    {
        [("reset", "ja")] = ("Chat のパスワードのリセット", "このリンクから新しいパスワードを設定してください。"),
        [("reset", "zh-Hans")] = ("重置你的 Chat 密码", "请通过此链接设置新密码。"),
        [("confirm", "ja")] = ("Chat のメールアドレスの確認", "があなたの Chat アカウントのアドレスであることを確認してください。"),
        [("confirm", "zh-Hans")] = ("确认你在 Chat 的电子邮件地址", "是你的 Chat 账户的地址。"),
        [("change", "ja")] = ("Chat の新しいメールアドレスの確認", "このリンクを開くと変更されます。"),
        [("change", "zh-Hans")] = ("确认你在 Chat 的新电子邮件地址", "打开此链接后即会更改"),
    };

    public static TheoryData<string, string> MailsInEachLanguage() => new()
    {
        { "reset", "ja" }, { "reset", "zh-Hans" },
        { "confirm", "ja" }, { "confirm", "zh-Hans" },
        { "change", "ja" }, { "change", "zh-Hans" },
    };

    [Theory]
    [MemberData(nameof(MailsInEachLanguage))]
    public async Task Mail_is_in_the_language_of_the_browser_that_asked(string mail, string culture)
    {
        using var person = new SiteClient(site.BaseAddress) { AcceptLanguage = culture };
        var email = await person.RegisterAsync();

        var message = await AskForAsync(person, mail, email);

        AssertWrittenIn(message, mail, culture);
    }

    [Theory]
    [InlineData("zh-Hans", null)]
    [InlineData("zh-Hans", "en")]
    [InlineData("ja", "zh-Hans")]
    public async Task A_reset_mail_is_in_the_accounts_language_whatever_the_browser_asking_for_it_says(string accountCulture, string? browserCulture)
    {
        using var person = new SiteClient(site.BaseAddress);
        var email = await person.RegisterAsync();
        var chosen = await person.PostFormAsync("/Language", new() { ["culture"] = accountCulture, ["returnUrl"] = "/" }, formPage: "/Identity/Account/Manage");
        Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
        await person.SignOutAsync();

        using var stranger = new SiteClient(site.BaseAddress) { AcceptLanguage = browserCulture };
        var message = await AskForAsync(stranger, "reset", email);

        AssertWrittenIn(message, "reset", accountCulture);
    }

    [Fact]
    public async Task Mail_to_an_english_browser_is_in_english()
    {
        using var person = new SiteClient(site.BaseAddress);
        var email = await person.RegisterAsync();

        var message = await AskForAsync(person, "reset", email);

        Assert.Equal("Reset your Chat password", message.Subject);
        Assert.Contains("Follow this link to choose a new one.", message.TextBody);
    }

    private async Task<MimeMessage> AskForAsync(SiteClient person, string mail, string email)
    {
        switch (mail)
        {
            case "reset":
                await person.SignOutAsync();
                Assert.Equal(HttpStatusCode.Redirect, (await person.ForgotPasswordAsync(email)).StatusCode);
                return await site.Smtp.MessageToAsync(email);
            case "confirm":
                Assert.Equal(HttpStatusCode.Redirect, (await person.SendVerificationEmailAsync()).StatusCode);
                return await site.Smtp.MessageToAsync(email);
            default:
                var newEmail = SiteClient.NewEmail("moved");
                Assert.Equal(HttpStatusCode.Redirect, (await person.ChangeEmailAsync(newEmail)).StatusCode);
                return await site.Smtp.MessageToAsync(newEmail);
        }
    }

    private static void AssertWrittenIn(MimeMessage message, string mail, string culture)
    {
        var (subject, body) = Expected[(mail, culture)];
        Assert.Equal(subject, message.Subject);
        Assert.Contains(body, message.TextBody);
        Assert.Contains(WebUtility.HtmlEncode(body), message.HtmlBody);
        // No English word left: only the link, addresses and the brand are in Latin letters.
        var rest = (message.TextBody ?? "").Replace(MailStories.LinkIn(message).AbsoluteUri, "");
        rest = System.Text.RegularExpressions.Regex.Replace(rest, @"\S+@\S+|\bChat\b", "");
        Assert.DoesNotMatch("[A-Za-z]{3,}", rest);
    }
}
