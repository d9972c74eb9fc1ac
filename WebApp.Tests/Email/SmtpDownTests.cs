using System.Net;
using WebApp.Email;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Email;

/// <summary>
/// The SMTP server is down: every flow that sends mail says so clearly (never a 500, never "a link was sent"), and the
/// log names the failure without the SMTP password or a link.
/// </summary>
public sealed class SmtpDownTests(SmtpDownChatServer site) : IClassFixture<SmtpDownChatServer>
{
    [Fact]
    public async Task Forgot_password_and_resend_confirmation_show_a_clear_message()
    {
        using var person = site.NewVisitor();
        var email = await person.RegisterAsync();
        await person.SignOutAsync();

        foreach (var response in new[] { await person.ForgotPasswordAsync(email), await person.ResendEmailConfirmationAsync(email) })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            Assert.Contains(EmailNotSentException.PersonMessage, html);
            Assert.DoesNotContain("on its way", html);
        }
        AssertFailureLoggedWithoutSecrets();
    }

    [Fact]
    public async Task Change_email_and_send_verification_show_a_clear_message()
    {
        using var person = site.NewVisitor();
        await person.RegisterAsync();

        var change = await person.ChangeEmailAsync(SiteClient.NewEmail("moved"));
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        Assert.Contains(EmailNotSentException.PersonMessage, WebUtility.HtmlDecode(await change.Content.ReadAsStringAsync()));
        var verify = await person.SendVerificationEmailAsync();
        Assert.Equal(HttpStatusCode.Redirect, verify.StatusCode);
        var page = WebUtility.HtmlDecode(await person.Http.GetStringAsync(verify.Headers.Location!.OriginalString));
        Assert.Contains(EmailNotSentException.PersonMessage, page);
        Assert.DoesNotContain("We sent", page);
        AssertFailureLoggedWithoutSecrets();
    }

    private void AssertFailureLoggedWithoutSecrets()
    {
        Assert.Contains(site.Logs.Lines, line => line.StartsWith("Warning ") && line.Contains("not sent to 127.0.0.1:"));
        site.Logs.AssertNeverLogged(SmtpDownChatServer.SmtpPassword);
        Assert.DoesNotContain(site.Logs.Lines, line => line.Contains("code=", StringComparison.OrdinalIgnoreCase));
    }
}
