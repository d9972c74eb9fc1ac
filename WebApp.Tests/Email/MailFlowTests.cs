using System.Net;
using WebApp.Email;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Email;

/// <summary>
/// Mail that is promised is sent: through a real SMTP server over plain SMTP, STARTTLS (with an account) and implicit
/// TLS, and the links it carries work end to end. The mail, its link and the site's log never carry the SMTP password,
/// and the log never carries the token the link holds.
/// </summary>
public sealed class MailFlowTests(PlainSmtpChatServer plain, StartTlsSmtpChatServer startTls, TlsSmtpChatServer tls)
    : IClassFixture<PlainSmtpChatServer>, IClassFixture<StartTlsSmtpChatServer>, IClassFixture<TlsSmtpChatServer>
{
    public static TheoryData<SmtpSecurity> Securities => [SmtpSecurity.None, SmtpSecurity.StartTls, SmtpSecurity.Tls];

    private MailChatServer Site(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => plain,
        SmtpSecurity.StartTls => startTls,
        _ => tls,
    };

    [Theory]
    [MemberData(nameof(Securities))]
    public async Task Forgot_password_mail_arrives_and_its_link_resets_the_password(SmtpSecurity security)
    {
        var site = Site(security);
        using var person = site.NewVisitor();
        var email = await person.RegisterAsync();
        await person.SignOutAsync();

        var asked = await person.ForgotPasswordAsync(email);
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        Assert.Equal("/Identity/Account/ForgotPasswordConfirmation", asked.Headers.Location!.OriginalString);
        var mail = await site.Smtp.MessageToAsync(email);
        Assert.Equal("chat@example.test", mail.From.Mailboxes.Single().Address);
        Assert.Contains("password", mail.Subject, StringComparison.OrdinalIgnoreCase);
        var link = MailStories.LinkIn(mail);
        Assert.Equal(site.BaseAddress.GetLeftPart(UriPartial.Authority), link.GetLeftPart(UriPartial.Authority));
        Assert.Equal("/Identity/Account/ResetPassword", link.AbsolutePath);

        using var browser = site.NewVisitor();
        var reset = await browser.ResetPasswordWithLinkAsync(link, email);
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        Assert.Equal("/Identity/Account/ResetPasswordConfirmation", reset.Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.OK, (await browser.LoginAsync(email, SiteClient.Password)).StatusCode);
        var signedIn = await browser.LoginAsync(email, MailStories.NewPassword);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location!.OriginalString);
        if (security == SmtpSecurity.StartTls) Assert.True(site.Smtp.Authentications > 0, "the site never signed in to the SMTP server");
        site.Logs.AssertNeverLogged(MailStories.CodeIn(link));
        site.Logs.AssertNeverLogged(MailChatServer.SmtpPassword);
    }

    [Fact]
    public async Task A_reset_link_works_once()
    {
        using var person = startTls.NewVisitor();
        var email = await person.RegisterAsync();
        await person.ForgotPasswordAsync(email);
        var link = MailStories.LinkIn(await startTls.Smtp.MessageToAsync(email));

        Assert.Equal(HttpStatusCode.Redirect, (await person.ResetPasswordWithLinkAsync(link, email)).StatusCode);
        var again = await person.ResetPasswordWithLinkAsync(link, email, "An0ther-Pa$$word");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("does not work for that address", await again.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await person.LoginAsync(email, MailStories.NewPassword)).StatusCode);
    }

    [Fact]
    public async Task Forgot_password_for_an_unknown_address_answers_the_same_and_sends_nothing()
    {
        using var visitor = plain.NewVisitor();
        var nobody = SiteClient.NewEmail("nobody");

        var asked = await visitor.ForgotPasswordAsync(nobody);

        Assert.Equal("/Identity/Account/ForgotPasswordConfirmation", asked.Headers.Location!.OriginalString);
        Assert.DoesNotContain(plain.Smtp.Messages, message => message.To.Mailboxes.Any(to => to.Address == nobody));
    }

    [Theory]
    [MemberData(nameof(Securities))]
    public async Task Change_email_mail_goes_to_the_new_address_and_its_link_changes_the_sign_in_name(SmtpSecurity security)
    {
        var site = Site(security);
        using var person = site.NewVisitor();
        var oldEmail = await person.RegisterAsync();
        var newEmail = SiteClient.NewEmail("moved");

        var asked = await person.ChangeEmailAsync(newEmail);
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        var page = await person.Http.GetStringAsync("/Identity/Account/Manage/Email");
        Assert.Contains("We sent a link to your new address", page);
        var link = MailStories.LinkIn(await site.Smtp.MessageToAsync(newEmail));
        Assert.Equal("/Identity/Account/ConfirmEmailChange", link.AbsolutePath);

        var confirmed = await person.Http.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains($"Your email is now {newEmail}", WebUtility.HtmlDecode(await confirmed.Content.ReadAsStringAsync()));
        await person.SignOutAsync();
        Assert.Equal(HttpStatusCode.OK, (await person.LoginAsync(oldEmail)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await person.LoginAsync(newEmail)).StatusCode);
        site.Logs.AssertNeverLogged(MailStories.CodeIn(link));
    }

    [Fact]
    public async Task Verification_mail_confirms_the_address_from_the_email_page_and_from_the_sign_in_page()
    {
        using var person = tls.NewVisitor();
        var email = await person.RegisterAsync();

        Assert.Equal(HttpStatusCode.Redirect, (await person.SendVerificationEmailAsync()).StatusCode);
        Assert.Contains("We sent a confirmation link", await person.Http.GetStringAsync("/Identity/Account/Manage/Email"));
        var link = MailStories.LinkIn(await tls.Smtp.MessageToAsync(email));
        Assert.Equal("/Identity/Account/ConfirmEmail", link.AbsolutePath);
        var confirmed = await person.Http.GetAsync(link.PathAndQuery);
        Assert.Contains("your email address is confirmed", await confirmed.Content.ReadAsStringAsync());
        Assert.Contains("id=\"email-confirmed\"", await person.Http.GetStringAsync("/Identity/Account/Manage/Email"));

        using var other = tls.NewVisitor();
        var otherEmail = await other.RegisterAsync();
        await other.SignOutAsync();
        var resent = await other.ResendEmailConfirmationAsync(otherEmail);
        Assert.Contains("a confirmation link is on its way", await resent.Content.ReadAsStringAsync());
        var otherLink = MailStories.LinkIn(await tls.Smtp.MessageToAsync(otherEmail));
        Assert.Contains("your email address is confirmed", await other.Http.GetStringAsync(otherLink.PathAndQuery));
    }

    [Fact]
    public async Task Registration_signs_the_person_in_at_once_and_sends_no_mail()
    {
        using var person = plain.NewVisitor();
        var email = await person.RegisterAsync();

        Assert.Equal(HttpStatusCode.OK, (await person.Http.GetAsync("/Identity/Account/Manage")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await person.LoginAsync(email)).StatusCode);
        Assert.DoesNotContain(plain.Smtp.Messages, message => message.To.Mailboxes.Any(to => to.Address == email));
    }
}
