using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Email;

/// <summary>
/// The mails accounts need, worded as this site (Identity's <see cref="IEmailSender{TUser}"/>, plus the email-change
/// mail), and the absolute links they carry. Links are passed in unencoded; they are HTML-encoded here.
/// </summary>
/// <exception cref="EmailNotSentException">From every Send method, when the mail could not be sent.</exception>
public sealed class AccountEmails(EmailSender sender, IOptions<EmailOptions> options) : IEmailSender<AppUser>
{
    private const string Site = "Chat";

    /// <summary>
    /// The absolute URL of <paramref name="pathAndQuery"/> (as <c>Url.Page</c> returns it): on <c>Email:SiteUrl</c>'s
    /// scheme, host and port when set, otherwise on the request's.
    /// </summary>
    public string Link(HttpRequest request, string pathAndQuery)
    {
        var site = options.Value.SiteUrl is { Length: > 0 } configured
            ? new Uri(configured)
            : new Uri($"{request.Scheme}://{request.Host}/");
        return new Uri(site, pathAndQuery).AbsoluteUri;
    }

    public Task SendConfirmationLinkAsync(AppUser user, string email, string confirmationLink) =>
        SendAsync(email, $"Confirm your email address for {Site}",
            $"Please confirm that {email} is your address for your {Site} account.",
            "Confirm my email address", confirmationLink);

    /// <summary>Sent to the new address: following the link makes it the account's email and sign-in name.</summary>
    public Task SendEmailChangeLinkAsync(AppUser user, string newEmail, string confirmationLink) =>
        SendAsync(newEmail, $"Confirm your new email address for {Site}",
            $"You asked to change the email of your {Site} account to {newEmail}. It changes when you follow this link; until then you sign in with your current address.",
            "Use this address", confirmationLink);

    public Task SendPasswordResetLinkAsync(AppUser user, string email, string resetLink) =>
        SendAsync(email, $"Reset your {Site} password",
            $"Someone (hopefully you) asked to reset the password of the {Site} account for {email}. Follow this link to choose a new one.",
            "Choose a new password", resetLink);

    /// <summary>Used only by Identity's API endpoints, which this site does not map; worded like the link mail.</summary>
    public Task SendPasswordResetCodeAsync(AppUser user, string email, string resetCode) =>
        sender.SendAsync(email, $"Reset your {Site} password",
            $"<p>Your password reset code is <strong>{WebUtility.HtmlEncode(resetCode)}</strong>.</p>",
            $"Your password reset code is {resetCode}.");

    private Task SendAsync(string to, string subject, string text, string action, string link)
    {
        const string ignore = "If you did not ask for this, you can ignore this email: nothing changes.";
        var html = $"""
            <p>{WebUtility.HtmlEncode(text)}</p>
            <p><a href="{WebUtility.HtmlEncode(link)}">{WebUtility.HtmlEncode(action)}</a></p>
            <p>{WebUtility.HtmlEncode(ignore)}</p>
            """;
        var plain = $"{text}\n\n{action}: {link}\n\n{ignore}\n";
        return sender.SendAsync(to, subject, html, plain);
    }
}
