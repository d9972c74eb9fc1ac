using System.Net;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Auth;

/// <summary>
/// Signing in, registering and signing out with a return URL that is not this site's end on "/", never a 500
/// (Identity UI's LocalRedirect throws on a foreign URL) and never a redirect elsewhere; local ones are honoured.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class ReturnUrlTests(ChatServer server)
{
    private const string Login = "/Identity/Account/Login";
    private const string Register = "/Identity/Account/Register";
    private const string Logout = "/Identity/Account/Logout";

    /// <summary>Query strings as an attacker would write them; every value names "evil" so pages can be searched for it.</summary>
    public static TheoryData<string> HostileQueries =>
    [
        "returnUrl=https://evil.example/",
        "returnUrl=https%3A%2F%2Fevil.example%2F",
        "returnUrl=http://evil.example/",
        "returnUrl=HTTPS://evil.example/",
        "returnUrl=//evil.example/",
        "returnUrl=%2F%2Fevil.example%2F",
        "returnUrl=%252F%252Fevil.example",
        "returnUrl=/%5Cevil.example",
        "returnUrl=%5C%5Cevil.example",
        "returnUrl=/%5C/evil.example",
        "returnUrl=%5C/evil.example",
        "returnUrl=~//evil.example",
        "returnUrl=~/%5Cevil.example",
        "returnUrl=http:evil.example",
        "returnUrl=https:%2F%2Fevil.example",
        "returnUrl=javascript:alert('evil')",
        "returnUrl=JaVaScRiPt%3Aalert(%27evil%27)",
        "returnUrl=data:text/html,%3Cscript%3Ealert('evil')%3C/script%3E",
        "returnUrl=/%09/evil.example",
        "returnUrl=/%0A/evil.example",
        "returnUrl=/%0D%0ALocation:%20https://evil.example",
        "returnUrl=%09//evil.example",
        "returnUrl=%20//evil.example",
        "returnUrl=/%00/evil.example",
        "ReturnUrl=//evil.example/",
        "RETURNURL=https://evil.example/",
        "returnurl=/%5Cevil.example",
        "returnUrl=//evil.example/&returnUrl=/rooms/lobby",
        "ReturnUrl=https://evil.example/&returnUrl=//evil.example/",
    ];

    public static TheoryData<string, string> LocalQueries => new()
    {
        { "returnUrl=/rooms/lobby", "/rooms/lobby" },
        { "returnUrl=%2Frooms%2Fx%3Fafter%3D3", "/rooms/x?after=3" },
        { "ReturnUrl=/rooms/lobby", "/rooms/lobby" },
    };

    [Theory]
    [MemberData(nameof(HostileQueries))]
    public async Task Signing_in_with_a_hostile_return_url_ends_on_the_home_page(string query)
    {
        using var person = server.NewVisitor();
        var email = await person.RegisterAsync();
        await person.SignOutAsync();

        await AssertFormPageShowsNoHostileUrlAsync(person, $"{Login}?{query}");
        var response = await person.PostFormAsync($"{Login}?{query}", new() { ["Input.Email"] = email, ["Input.Password"] = SiteClient.Password });

        AssertEndsOnHomePage(response);
    }

    [Theory]
    [MemberData(nameof(HostileQueries))]
    public async Task Registering_with_a_hostile_return_url_ends_on_the_home_page(string query)
    {
        using var person = server.NewVisitor();

        await AssertFormPageShowsNoHostileUrlAsync(person, $"{Register}?{query}");
        var response = await person.PostFormAsync($"{Register}?{query}", new()
        {
            ["Input.Email"] = SiteClient.NewEmail("hostile"),
            ["Input.Password"] = SiteClient.Password,
            ["Input.ConfirmPassword"] = SiteClient.Password,
        });

        AssertEndsOnHomePage(response);
    }

    [Theory]
    [MemberData(nameof(HostileQueries))]
    public async Task Signing_out_with_a_hostile_return_url_ends_on_the_home_page(string query)
    {
        using var person = server.NewVisitor();
        await person.RegisterAsync();

        await AssertFormPageShowsNoHostileUrlAsync(person, $"{Logout}?{query}");
        var response = await person.PostFormAsync($"{Logout}?{query}", [], formPage: "/");

        AssertEndsOnHomePage(response);
        Assert.Equal(HttpStatusCode.Redirect, (await person.Http.GetAsync("/Identity/Account/Manage")).StatusCode);
    }

    [Theory]
    [InlineData("returnUrl", "//evil.example/")]
    [InlineData("ReturnUrl", "https://evil.example/")]
    [InlineData("RETURNURL", "/\\evil.example")]
    public async Task A_hostile_return_url_in_the_form_body_ends_on_the_home_page(string field, string value)
    {
        using var person = server.NewVisitor();
        var registered = await person.PostFormAsync(Register, new()
        {
            ["Input.Email"] = SiteClient.NewEmail("body"),
            ["Input.Password"] = SiteClient.Password,
            ["Input.ConfirmPassword"] = SiteClient.Password,
            [field] = value,
        });
        var signedOut = await person.PostFormAsync(Logout, new() { [field] = value }, formPage: "/");

        AssertEndsOnHomePage(registered);
        AssertEndsOnHomePage(signedOut);
    }

    [Fact]
    public async Task Signing_in_with_two_factor_and_a_hostile_return_url_ends_on_the_home_page()
    {
        using var person = server.NewVisitor();
        var email = await person.RegisterAsync();
        var sharedKey = await person.EnableAuthenticatorAsync();
        await person.SignOutAsync();

        var password = await person.PostFormAsync($"{Login}?returnUrl=//evil.example/", new() { ["Input.Email"] = email, ["Input.Password"] = SiteClient.Password });
        Assert.Equal(HttpStatusCode.Redirect, password.StatusCode);
        var secondStep = password.Headers.Location!.OriginalString;
        Assert.StartsWith("/Identity/Account/LoginWith2fa", secondStep);
        var hostileSecondStep = "/Identity/Account/LoginWith2fa?ReturnUrl=https://evil.example/&RememberMe=False";
        var code = await person.PostFormAsync(hostileSecondStep, new() { ["Input.TwoFactorCode"] = AuthenticatorCodes.Now(sharedKey) });

        AssertEndsOnHomePage(code);
    }

    [Theory]
    [MemberData(nameof(LocalQueries))]
    public async Task Local_return_urls_are_honoured(string query, string expected)
    {
        using var person = server.NewVisitor();
        var registered = await person.PostFormAsync($"{Register}?{query}", new()
        {
            ["Input.Email"] = SiteClient.NewEmail("local"),
            ["Input.Password"] = SiteClient.Password,
            ["Input.ConfirmPassword"] = SiteClient.Password,
        });
        var email = await person.RegisterAsync();
        await person.SignOutAsync();
        var signedIn = await person.PostFormAsync($"{Login}?{query}", new() { ["Input.Email"] = email, ["Input.Password"] = SiteClient.Password });
        var signedOut = await person.PostFormAsync($"{Logout}?{query}", [], formPage: "/");

        Assert.All(new[] { registered, signedIn, signedOut }, response =>
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal(expected, response.Headers.Location!.OriginalString);
        });
    }

    /// <summary>The form page itself answers normally and carries the hostile value nowhere (not even in its form's action).</summary>
    private static async Task AssertFormPageShowsNoHostileUrlAsync(SiteClient person, string path)
    {
        var page = await person.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("evil", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    private static void AssertEndsOnHomePage(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }
}
