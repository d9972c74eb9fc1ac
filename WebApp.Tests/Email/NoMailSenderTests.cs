using System.Net;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Email;

/// <summary>
/// Production without an SMTP server: the four flows that need mail (forgot password, change email, send
/// verification email, resend email confirmation) are not offered, a post to them is refused, and no page says a
/// mail was sent; each says to ask an administrator. Registration still signs the person in at once.
/// </summary>
public sealed class NoMailSenderTests(HttpsChatServer production) : IClassFixture<HttpsChatServer>
{
    /// <summary>Words of a page that claims a mail was sent.</summary>
    public static readonly string[] ClaimsOfMail =
    [
        "check your email", "check your inbox", "link was sent", "we sent", "on its way", "has been sent", "verification email sent",
    ];

    public static TheoryData<string, bool> FlowPages => new()
    {
        { "/Identity/Account/ForgotPassword", false },
        { "/Identity/Account/ForgotPasswordConfirmation", false },
        { "/Identity/Account/ResendEmailConfirmation", false },
        { "/Identity/Account/Manage/Email", true },
    };

    [Theory]
    [MemberData(nameof(FlowPages))]
    public async Task A_flow_that_needs_mail_says_to_ask_an_administrator_and_offers_no_form(string path, bool signedIn)
    {
        using var person = new SiteClient(production.BaseAddress);
        if (signedIn) await person.RegisterAsync();

        var page = await person.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        AssertSaysAskAnAdministratorAndNoMailWasSent(html);
        Assert.DoesNotContain("name=\"Input.Email\"", html);
        Assert.DoesNotContain("name=\"Input.NewEmail\"", html);
        Assert.DoesNotContain("id=\"email-verification\"", html);
    }

    [Fact]
    public async Task Forgot_password_posted_anyway_is_refused_and_never_claims_a_mail()
    {
        using var person = new SiteClient(production.BaseAddress);
        var email = await person.RegisterAsync();
        await person.SignOutAsync();

        var forgot = await person.ForgotPasswordAsync(email);
        var resend = await person.ResendEmailConfirmationAsync(email);

        foreach (var response in new[] { forgot, resend })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertSaysAskAnAdministratorAndNoMailWasSent(await response.Content.ReadAsStringAsync());
        }
        Assert.Contains(production.Logs.Lines, line => line.Contains("Password reset refused: the site has no mail sender"));
    }

    [Fact]
    public async Task Change_email_and_send_verification_posted_anyway_are_refused_and_never_claim_a_mail()
    {
        using var person = new SiteClient(production.BaseAddress);
        var email = await person.RegisterAsync();

        foreach (var post in new Func<Task<HttpResponseMessage>>[] { () => person.ChangeEmailAsync(SiteClient.NewEmail("moved")), person.SendVerificationEmailAsync })
        {
            var response = await post();
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var page = await person.Http.GetStringAsync(response.Headers.Location!.OriginalString);
            AssertSaysAskAnAdministratorAndNoMailWasSent(page);
            Assert.Contains("cannot send email, so your address cannot be changed or confirmed", page);
        }
        await person.SignOutAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await person.LoginAsync(email)).StatusCode);
    }

    [Fact]
    public async Task The_sign_in_page_offers_no_mail_links_and_registration_signs_in_at_once()
    {
        using var person = new SiteClient(production.BaseAddress);
        var login = await person.Http.GetStringAsync("/Identity/Account/Login");

        Assert.DoesNotContain("id=\"forgot-password\"", login);
        Assert.DoesNotContain("id=\"resend-confirmation\"", login);
        Assert.Contains("ask an administrator", login);
        await person.RegisterAsync();
        Assert.Equal(HttpStatusCode.OK, (await person.Http.GetAsync("/Identity/Account/Manage")).StatusCode);
        Assert.Contains(production.Logs.Lines, line => line.StartsWith("Warning ") && line.Contains("No SMTP server configured"));
    }

    private static void AssertSaysAskAnAdministratorAndNoMailWasSent(string html)
    {
        var text = WebUtility.HtmlDecode(html);
        Assert.Contains("ask an administrator", text, StringComparison.OrdinalIgnoreCase);
        foreach (var claim in ClaimsOfMail) Assert.DoesNotContain(claim, text, StringComparison.OrdinalIgnoreCase);
    }
}
