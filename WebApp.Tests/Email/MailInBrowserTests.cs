using Microsoft.Playwright;
using WebApp.Email;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Email;

/// <summary>
/// In Chromium, a person follows the links the site mails them (through a real SMTP server with STARTTLS or implicit
/// TLS): a forgotten password is reset from the sign-in page, and an email change is confirmed.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class MailInBrowserTests(ChromiumBrowser chromium, StartTlsSmtpChatServer startTls, TlsSmtpChatServer tls)
    : IClassFixture<StartTlsSmtpChatServer>, IClassFixture<TlsSmtpChatServer>
{
    public static TheoryData<SmtpSecurity> Securities => [SmtpSecurity.StartTls, SmtpSecurity.Tls];

    private MailChatServer Site(SmtpSecurity security) => security == SmtpSecurity.Tls ? tls : startTls;

    [Theory]
    [MemberData(nameof(Securities))]
    public Task A_forgotten_password_is_reset_through_the_mailed_link(SmtpSecurity security) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(A_forgotten_password_is_reset_through_the_mailed_link)}-{security}", async pages =>
        {
            var site = Site(security);
            var email = SiteClient.NewEmail("forgot");
            var page = await chromium.NewSignedInPersonAsync(site.BaseAddress, pages, email);
            await new AccountPages(page).SignOutAsync();

            await page.GotoAsync(AccountPages.LoginPath);
            await page.ClickAsync("#forgot-password");
            await page.FillAsync("#Input_Email", email);
            await page.ClickAsync("#forgot-password-submit");
            await Expect(page.Locator("#reset-link-sent")).ToBeVisibleAsync();

            var link = MailStories.LinkIn(await site.Smtp.MessageToAsync(email));
            await page.GotoAsync(link.ToString());
            await page.FillAsync("#Input_Email", email);
            await page.FillAsync("#Input_Password", MailStories.NewPassword);
            await page.FillAsync("#Input_ConfirmPassword", MailStories.NewPassword);
            await page.ClickAsync("#reset-password-submit");
            await Expect(page.Locator("#password-reset-done")).ToBeVisibleAsync();

            await page.ClickAsync("#sign-in-link");
            await page.FillAsync("#Input_Email", email);
            await page.FillAsync("#Input_Password", MailStories.NewPassword);
            await page.ClickAsync("#login-submit");
            await Expect(page.Locator("#account-link")).ToHaveTextAsync(email.Split('@')[0]);
        });

    [Theory]
    [MemberData(nameof(Securities))]
    public Task An_email_change_is_confirmed_through_the_mailed_link(SmtpSecurity security) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(An_email_change_is_confirmed_through_the_mailed_link)}-{security}", async pages =>
        {
            var site = Site(security);
            var page = await chromium.NewSignedInPersonAsync(site.BaseAddress, pages, SiteClient.NewEmail("before"));
            var newEmail = SiteClient.NewEmail("after");

            await page.GotoAsync("/Identity/Account/Manage/Email");
            // No stray bullet: the only list items shown are the account menu's.
            await Expect(page.Locator("main li:not(.nav-item)").Filter(new() { Visible = true })).ToHaveCountAsync(0);
            await page.FillAsync("#Input_NewEmail", newEmail);
            await page.ClickAsync("#change-email-button");
            await Expect(page.Locator("main")).ToContainTextAsync("We sent a link to your new address");
            await Expect(page.Locator("main li:not(.nav-item)").Filter(new() { Visible = true })).ToHaveCountAsync(0);

            var link = MailStories.LinkIn(await site.Smtp.MessageToAsync(newEmail));
            await page.GotoAsync(link.ToString());
            await Expect(page.Locator("main")).ToContainTextAsync($"Your email is now {newEmail}");
            await Expect(page.Locator("#account-link")).ToHaveTextAsync(newEmail.Split('@')[0]);

            await new AccountPages(page).SignOutAsync();
            await page.GotoAsync(AccountPages.LoginPath);
            await page.FillAsync("#Input_Email", newEmail);
            await page.FillAsync("#Input_Password", SiteClient.Password);
            await page.ClickAsync("#login-submit");
            await Expect(page.Locator("#account-link")).ToHaveTextAsync(newEmail.Split('@')[0]);
        });
}
