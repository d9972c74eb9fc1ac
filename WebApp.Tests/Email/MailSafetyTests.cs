using System.Net;
using WebApp.Email;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Email;

/// <summary>
/// What mail must never do: go out in the clear when STARTTLS was asked for, or carry a link to a host the request
/// chose (password-reset poisoning through a forged Host header) when the site's address is configured.
/// </summary>
public sealed class MailSafetyTests(NoStartTlsOfferedChatServer noStartTls, SiteUrlChatServer siteUrl)
    : IClassFixture<NoStartTlsOfferedChatServer>, IClassFixture<SiteUrlChatServer>
{
    [Fact]
    public async Task StartTls_is_required_a_server_without_it_gets_no_mail_and_the_person_a_clear_message()
    {
        using var person = noStartTls.NewVisitor();
        var email = await person.RegisterAsync();
        await person.SignOutAsync();

        var asked = await person.ForgotPasswordAsync(email);

        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains(EmailNotSentException.PersonMessage, WebUtility.HtmlDecode(await asked.Content.ReadAsStringAsync()));
        Assert.Empty(noStartTls.Smtp.Messages);
    }

    [Fact]
    public async Task With_a_site_url_a_forged_host_header_does_not_reach_the_link()
    {
        using var person = siteUrl.NewVisitor();
        var email = await person.RegisterAsync();
        await person.SignOutAsync();
        var token = await person.FormTokenAsync("/Identity/Account/Login");

        using var forged = new HttpRequestMessage(HttpMethod.Post, "/Identity/Account/ForgotPassword")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Email"] = email, ["__RequestVerificationToken"] = token }),
        };
        forged.Headers.Host = "evil.example";
        var asked = await person.Http.SendAsync(forged);

        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        var link = MailStories.LinkIn(await siteUrl.Smtp.MessageToAsync(email));
        Assert.StartsWith(SiteUrlChatServer.SiteUrl + "Identity/Account/ResetPassword?code=", link.AbsoluteUri);
    }
}
