using System.Net;
using System.Text.RegularExpressions;
using WebApp.Tests.Auth;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Email;

/// <summary>
/// Every Identity page a person can reach reads as this site: none of Identity UI's template text (external-login
/// advice, Microsoft links, "the application"), no empty list item (a stray bullet), and a taken address is reported
/// once.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed partial class IdentityPagesReadAsTheSiteTests(ChatServer server)
{
    public static readonly string[] TemplateTexts =
    [
        "Use another service", "external authentication services", "this ASP.NET application", "go.microsoft.com",
        "Microsoft.AspNetCore", "Use a local account", "Register as a new user", "logged out of the application",
        "Learn how to", "Microsoft Authenticator", "Log in", "Invalid login attempt",
    ];

    /// <summary>The exposed pages a person sees (DownloadPersonalData answers only a POST, with a JSON file).</summary>
    public static TheoryData<string> Pages => [.. IdentityPagesTests.ExposedPages.Where(page => !page.EndsWith("/DownloadPersonalData"))];

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task A_reachable_identity_page_carries_no_template_text_and_no_empty_list_item(string path)
    {
        using var person = server.NewVisitor();
        var response = await person.Http.GetAsync(await ReachAsync(person, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var main = MainElement().Match(html).Value;
        foreach (var text in TemplateTexts) Assert.DoesNotContain(text, html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(EmptyListItem(), main);
    }

    /// <summary>Puts the person in the state where <paramref name="path"/> shows itself, and returns the URL to open.</summary>
    private static async Task<string> ReachAsync(SiteClient person, string path)
    {
        var page = path["/Identity/Account".Length..];
        switch (page)
        {
            case "/ResetPassword": return path + "?code=Y29kZQ";
            case "/ConfirmEmail": return path + "?userId=nobody&code=Y29kZQ";
            case "/ConfirmEmailChange": return path + "?userId=nobody&email=nobody%40example.test&code=Y29kZQ";
            case "/LoginWith2fa" or "/LoginWithRecoveryCode":
                var email = await person.RegisterAsync();
                await person.EnableAuthenticatorAsync();
                await person.SignOutAsync();
                Assert.StartsWith("/Identity/Account/LoginWith2fa", (await person.LoginAsync(email)).Headers.Location!.OriginalString);
                return path;
            case "/Manage/Disable2fa" or "/Manage/GenerateRecoveryCodes" or "/Manage/ShowRecoveryCodes":
                await person.RegisterAsync();
                await person.EnableAuthenticatorAsync();
                return path;
            default:
                if (page.StartsWith("/Manage", StringComparison.Ordinal)) await person.RegisterAsync();
                return path;
        }
    }

    [Fact]
    public async Task A_taken_address_is_reported_once()
    {
        using var first = server.NewVisitor();
        var email = await first.RegisterAsync();
        using var second = server.NewVisitor();

        var response = await second.PostFormAsync("/Identity/Account/Register", new()
        {
            ["Input.Email"] = email, ["Input.Password"] = SiteClient.Password, ["Input.ConfirmPassword"] = SiteClient.Password,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Single(AlreadyTaken().Matches(html));
        Assert.Contains($"Email '{email}' is already taken.", html);
    }

    [GeneratedRegex("<main[\\s\\S]*</main>")]
    private static partial Regex MainElement();

    [GeneratedRegex("<li(\\s+hidden)?\\s*>\\s*</li>")]
    private static partial Regex EmptyListItem();

    [GeneratedRegex("is already taken")]
    private static partial Regex AlreadyTaken();
}
