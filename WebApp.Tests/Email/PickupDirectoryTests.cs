using System.Net;
using MimeKit;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Email;

/// <summary>Development without an SMTP server writes each mail as an .eml file to a folder it logs once at start.</summary>
public sealed class PickupDirectoryTests(PickupDirectoryChatServer site) : IClassFixture<PickupDirectoryChatServer>
{
    [Fact]
    public async Task Forgot_password_writes_an_eml_file_whose_link_resets_the_password()
    {
        using var person = site.NewVisitor();
        var email = await person.RegisterAsync();
        await person.SignOutAsync();

        var asked = await person.ForgotPasswordAsync(email);

        Assert.Equal("/Identity/Account/ForgotPasswordConfirmation", asked.Headers.Location!.OriginalString);
        var mail = Directory.EnumerateFiles(site.PickupDirectory, "*.eml")
            .Select(file => MimeMessage.Load(file))
            .Single(message => message.To.Mailboxes.Any(to => to.Address == email));
        var link = MailStories.LinkIn(mail);
        Assert.Equal(HttpStatusCode.Redirect, (await person.ResetPasswordWithLinkAsync(link, email)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await person.LoginAsync(email, MailStories.NewPassword)).StatusCode);
    }

    [Fact]
    public void The_folder_is_logged_once_at_start()
    {
        var lines = site.Logs.Lines.Where(line => line.Contains("each mail is written as an .eml file to")).ToList();

        Assert.Single(lines);
        Assert.Contains(site.PickupDirectory, lines[0]);
    }
}
