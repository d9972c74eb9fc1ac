using System.Net;
using System.Text.RegularExpressions;
using MimeKit;

namespace WebApp.Tests.Email;

/// <summary>The account steps that send mail, told over HTTP with <see cref="SiteClient"/>, and reading the link a mail carries.</summary>
public static partial class MailStories
{
    public const string NewPassword = "N3w-Pa$$word-from-mail";

    /// <summary>The sign-in page always has a form, so its antiforgery token serves posts to pages that offer none.</summary>
    private const string FormPage = "/Identity/Account/Login";

    public static Task<HttpResponseMessage> ForgotPasswordAsync(this SiteClient visitor, string email) =>
        visitor.PostFormAsync("/Identity/Account/ForgotPassword", new() { ["Input.Email"] = email }, FormPage);

    public static Task<HttpResponseMessage> ChangeEmailAsync(this SiteClient person, string newEmail) =>
        person.PostFormAsync("/Identity/Account/Manage/Email?handler=ChangeEmail", new() { ["Input.NewEmail"] = newEmail }, formPage: "/Identity/Account/Manage/Email");

    public static Task<HttpResponseMessage> SendVerificationEmailAsync(this SiteClient person) =>
        person.PostFormAsync("/Identity/Account/Manage/Email?handler=SendVerificationEmail", [], formPage: "/Identity/Account/Manage/Email");

    public static Task<HttpResponseMessage> ResendEmailConfirmationAsync(this SiteClient visitor, string email) =>
        visitor.PostFormAsync("/Identity/Account/ResendEmailConfirmation", new() { ["Input.Email"] = email }, FormPage);

    /// <summary>The one link in the mail's plain-text part (the HTML part carries the same one).</summary>
    public static Uri LinkIn(MimeMessage message)
    {
        var links = Link().Matches(message.TextBody ?? "").Select(match => match.Value).Distinct().ToList();
        Assert.Single(links);
        Assert.Contains(WebUtility.HtmlEncode(links[0]), message.HtmlBody);
        return new Uri(links[0]);
    }

    /// <summary>The <c>code</c> query parameter of a link (the token, base64url).</summary>
    public static string CodeIn(Uri link) => System.Web.HttpUtility.ParseQueryString(link.Query)["code"]!;

    /// <summary>Opens the reset link, then submits its form with the new password; returns the form's answer.</summary>
    public static async Task<HttpResponseMessage> ResetPasswordWithLinkAsync(this SiteClient visitor, Uri link, string email, string newPassword = NewPassword)
    {
        var form = await visitor.Http.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var html = await form.Content.ReadAsStringAsync();
        var code = WebUtility.HtmlDecode(HiddenCode().Match(html).Groups[1].Value);
        Assert.NotEmpty(code);
        return await visitor.Http.PostAsync(link.PathAndQuery, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = newPassword,
            ["Input.ConfirmPassword"] = newPassword,
            ["Input.Code"] = code,
            ["__RequestVerificationToken"] = SiteClient.FormToken(html),
        }));
    }

    [GeneratedRegex(@"https?://[^\s""<>]+")]
    private static partial Regex Link();

    [GeneratedRegex("name=\"Input.Code\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenCode();
}
