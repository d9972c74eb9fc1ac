using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using WebApp.Data;
using WebApp.Localization;

namespace WebApp.Email;

/// <summary>
/// The mails accounts need, worded as this site (Identity's <see cref="IEmailSender{TUser}"/>, plus the email-change
/// mail), and the absolute links they carry. Links are passed in unencoded; they are HTML-encoded here.
/// Each mail is written in its reader's language (<see cref="CultureFor"/>), from <see cref="EmailText"/>.
/// </summary>
/// <exception cref="EmailNotSentException">From every Send method, when the mail could not be sent.</exception>
public sealed class AccountEmails(EmailSender sender, IOptions<EmailOptions> options, IStringLocalizer<EmailText> text) : IEmailSender<AppUser>
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

    /// <summary>
    /// The language a mail to <paramref name="user"/> is written in: the one the account chose
    /// (<see cref="AppUser.Culture"/>, one of <see cref="SiteCultures.Names"/>) when set, else the UI culture of the
    /// request that causes the mail (its culture cookie or Accept-Language), since that person asked for it.
    /// </summary>
    public static CultureInfo CultureFor(AppUser user) =>
        SiteCultures.Find(user.Culture) is { } chosen ? CultureInfo.GetCultureInfo(chosen) : CultureInfo.CurrentUICulture;

    public Task SendConfirmationLinkAsync(AppUser user, string email, string confirmationLink) =>
        SendAsync(user, email, () => new(
            text["Confirm your email address for {0}", Site],
            text["Please confirm that {0} is your address for your {1} account.", email, Site],
            text["Confirm my email address"]), confirmationLink);

    /// <summary>Sent to the new address: following the link makes it the account's email and sign-in name.</summary>
    public Task SendEmailChangeLinkAsync(AppUser user, string newEmail, string confirmationLink) =>
        SendAsync(user, newEmail, () => new(
            text["Confirm your new email address for {0}", Site],
            text["You asked to change the email of your {0} account to {1}. It changes when you follow this link; until then you sign in with your current address.", Site, newEmail],
            text["Use this address"]), confirmationLink);

    public Task SendPasswordResetLinkAsync(AppUser user, string email, string resetLink) =>
        SendAsync(user, email, () => new(
            text["Reset your {0} password", Site],
            text["Someone (hopefully you) asked to reset the password of the {0} account for {1}. Follow this link to choose a new one.", Site, email],
            text["Choose a new password"]), resetLink);

    /// <summary>Used only by Identity's API endpoints, which this site does not map; worded like the link mail.</summary>
    public Task SendPasswordResetCodeAsync(AppUser user, string email, string resetCode)
    {
        var (subject, sentence) = InCulture(CultureFor(user), () => (text["Reset your {0} password", Site].Value, text["Your password reset code is {0}."].Value));
        // The sentence is encoded before the code goes in, so the code's markup is ours and the rest is text.
        var html = $"<p>{string.Format(CultureInfo.InvariantCulture, WebUtility.HtmlEncode(sentence), $"<strong>{WebUtility.HtmlEncode(resetCode)}</strong>")}</p>";
        return sender.SendAsync(email, subject, html, string.Format(CultureInfo.InvariantCulture, sentence, resetCode));
    }

    private sealed record Wording(string Subject, string Text, string Action);

    private Task SendAsync(AppUser user, string to, Func<Wording> words, string link)
    {
        var (wording, ignore) = InCulture(CultureFor(user), () => (words(), text["If you did not ask for this, you can ignore this email: nothing changes."].Value));
        var html = $"""
            <p>{WebUtility.HtmlEncode(wording.Text)}</p>
            <p><a href="{WebUtility.HtmlEncode(link)}">{WebUtility.HtmlEncode(wording.Action)}</a></p>
            <p>{WebUtility.HtmlEncode(ignore)}</p>
            """;
        var plain = $"{wording.Text}\n\n{wording.Action}: {link}\n\n{ignore}\n";
        return sender.SendAsync(to, wording.Subject, html, plain);
    }

    /// <summary>
    /// Runs <paramref name="render"/> with <paramref name="culture"/> as the UI culture (what the localizer reads), then
    /// puts the request's back: a mail may be in another language than the page that sends it.
    /// </summary>
    private static T InCulture<T>(CultureInfo culture, Func<T> render)
    {
        var before = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            return render();
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}
