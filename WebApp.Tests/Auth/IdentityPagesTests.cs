using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Razor.Hosting;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Auth;

/// <summary>
/// The site routes only the Identity UI pages it uses: each answers its normal result, and every other page the
/// Identity UI assembly compiles in (external logins, set-password, registration confirmation, its error page, ...)
/// answers 404.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class IdentityPagesTests(ChatServer server)
{
    /// <summary>The exposed pages: the site's contract, written out here rather than read from the site.</summary>
    public static readonly string[] ExposedPages =
    [
        "/Identity/Account/Login", "/Identity/Account/Register", "/Identity/Account/Logout",
        "/Identity/Account/ForgotPassword", "/Identity/Account/ForgotPasswordConfirmation",
        "/Identity/Account/ResetPassword", "/Identity/Account/ResetPasswordConfirmation",
        "/Identity/Account/ConfirmEmail", "/Identity/Account/ConfirmEmailChange", "/Identity/Account/ResendEmailConfirmation",
        "/Identity/Account/Lockout", "/Identity/Account/AccessDenied",
        "/Identity/Account/LoginWith2fa", "/Identity/Account/LoginWithRecoveryCode",
        "/Identity/Account/Manage", "/Identity/Account/Manage/Email", "/Identity/Account/Manage/ChangePassword",
        "/Identity/Account/Manage/PersonalData", "/Identity/Account/Manage/DeletePersonalData",
        "/Identity/Account/Manage/DownloadPersonalData", "/Identity/Account/Manage/TwoFactorAuthentication",
        "/Identity/Account/Manage/EnableAuthenticator", "/Identity/Account/Manage/ResetAuthenticator",
        "/Identity/Account/Manage/Disable2fa", "/Identity/Account/Manage/GenerateRecoveryCodes",
        "/Identity/Account/Manage/ShowRecoveryCodes",
    ];

    /// <summary>
    /// Every page in the Identity UI assembly (its Bootstrap 5 set, the one the site uses), as the URL it would have.
    /// </summary>
    public static IReadOnlyList<string> IdentityUiPages()
    {
        const string prefix = "/Areas/Identity/Pages/V5";
        return Assembly.Load("Microsoft.AspNetCore.Identity.UI")
            .GetCustomAttributes<RazorCompiledItemAttribute>()
            .Where(item => item.Kind == "mvc.1.0.razor-page" && item.Identifier.StartsWith(prefix + "/", StringComparison.Ordinal))
            .Select(item => "/Identity" + item.Identifier[prefix.Length..^".cshtml".Length])
            .Select(path => path.EndsWith("/Index", StringComparison.Ordinal) ? path[..^"/Index".Length] : path)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static TheoryData<string> HiddenPages => [.. IdentityUiPages().Except(ExposedPages)];

    [Fact]
    public void Every_exposed_page_is_an_identity_ui_page_and_some_are_hidden()
    {
        var all = IdentityUiPages();

        Assert.Empty(ExposedPages.Except(all));
        Assert.Contains("/Identity/Account/ExternalLogin", all);
        Assert.Contains("/Identity/Account/Manage/SetPassword", all);
    }

    [Theory]
    [MemberData(nameof(HiddenPages))]
    public async Task Identity_ui_pages_the_site_does_not_use_answer_404(string path)
    {
        using var anonymous = server.NewVisitor();
        using var person = server.NewVisitor();
        await person.RegisterAsync();

        // A form post to a path the site never had is the reference (the site answers it without a page).
        var postToNowhere = (await anonymous.Http.PostAsync("/Identity/Account/NoSuchPage", new FormUrlEncodedContent([]))).StatusCode;
        foreach (var visitor in new[] { anonymous, person })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await visitor.Http.GetAsync(path)).StatusCode);
            var post = await visitor.Http.PostAsync(path, new FormUrlEncodedContent([]));
            Assert.Equal(postToNowhere, post.StatusCode);
        }
    }

    [Fact]
    public async Task Exposed_account_pages_answer_signed_out()
    {
        using var visitor = server.NewVisitor();
        var expected = new Dictionary<string, (HttpStatusCode Status, string? Location)>
        {
            ["/Identity/Account/Login"] = (HttpStatusCode.OK, null),
            ["/Identity/Account/Register"] = (HttpStatusCode.OK, null),
            ["/Identity/Account/Logout"] = (HttpStatusCode.OK, null),
            ["/Identity/Account/ForgotPassword"] = (HttpStatusCode.OK, null),
            ["/Identity/Account/ForgotPasswordConfirmation"] = (HttpStatusCode.OK, null),
            ["/Identity/Account/ResetPassword?code=Y29kZQ"] = (HttpStatusCode.OK, null),
            ["/Identity/Account/ResetPasswordConfirmation"] = (HttpStatusCode.OK, null),
            ["/Identity/Account/ConfirmEmail"] = (HttpStatusCode.Redirect, "/"),
            ["/Identity/Account/ConfirmEmailChange"] = (HttpStatusCode.Redirect, "/"),
            ["/Identity/Account/ResendEmailConfirmation"] = (HttpStatusCode.OK, null),
            ["/Identity/Account/Lockout"] = (HttpStatusCode.OK, null),
            ["/Identity/Account/AccessDenied"] = (HttpStatusCode.OK, null),
            ["/Identity/Account/Manage"] = (HttpStatusCode.Redirect, "/Identity/Account/Login?ReturnUrl=%2FIdentity%2FAccount%2FManage"),
        };

        foreach (var (path, (status, location)) in expected)
        {
            var response = await visitor.Http.GetAsync(path);
            Assert.True(status == response.StatusCode, $"{path} answered {(int)response.StatusCode}");
            Assert.Equal(location, response.Headers.Location is { } target ? new Uri(visitor.BaseAddress, target).PathAndQuery : null);
        }
    }

    [Fact]
    public async Task Exposed_manage_pages_and_two_factor_sign_in_answer_signed_in()
    {
        using var person = server.NewVisitor();
        var email = await person.RegisterAsync();
        foreach (var path in new[] { "/Identity/Account/Manage", "/Identity/Account/Manage/Email", "/Identity/Account/Manage/ChangePassword",
                     "/Identity/Account/Manage/PersonalData", "/Identity/Account/Manage/DeletePersonalData",
                     "/Identity/Account/Manage/TwoFactorAuthentication", "/Identity/Account/Manage/EnableAuthenticator",
                     "/Identity/Account/Manage/ResetAuthenticator" })
        {
            await AssertAnswersAsync(person, path, HttpStatusCode.OK);
        }
        var download = await person.PostFormAsync("/Identity/Account/Manage/DownloadPersonalData", [], formPage: "/Identity/Account/Manage/PersonalData");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Contains(email, await download.Content.ReadAsStringAsync());

        // The pages that need two-factor sign-in on, and the two steps of signing in with it.
        var sharedKey = await person.EnableAuthenticatorAsync();
        // Shown once, right after the codes were made; afterwards it sends the person back to the 2FA page.
        await AssertAnswersAsync(person, "/Identity/Account/Manage/ShowRecoveryCodes", HttpStatusCode.OK);
        await AssertAnswersAsync(person, "/Identity/Account/Manage/ShowRecoveryCodes", HttpStatusCode.Redirect);
        await AssertAnswersAsync(person, "/Identity/Account/Manage/Disable2fa", HttpStatusCode.OK);
        await AssertAnswersAsync(person, "/Identity/Account/Manage/GenerateRecoveryCodes", HttpStatusCode.OK);
        await person.SignOutAsync();
        var password = await person.LoginAsync(email);
        Assert.StartsWith("/Identity/Account/LoginWith2fa", password.Headers.Location!.OriginalString);
        await AssertAnswersAsync(person, "/Identity/Account/LoginWithRecoveryCode", HttpStatusCode.OK);
        await AssertAnswersAsync(person, password.Headers.Location.OriginalString, HttpStatusCode.OK);
        var code = await person.PostFormAsync(password.Headers.Location.OriginalString, new() { ["Input.TwoFactorCode"] = AuthenticatorCodes.Now(sharedKey) });
        Assert.Equal("/", code.Headers.Location?.OriginalString);
        await AssertAnswersAsync(person, "/Identity/Account/Manage", HttpStatusCode.OK);
    }

    private static async Task AssertAnswersAsync(SiteClient person, string path, HttpStatusCode expected)
    {
        var response = await person.Http.GetAsync(path);
        Assert.True(expected == response.StatusCode, $"{path} answered {(int)response.StatusCode}");
    }
}
