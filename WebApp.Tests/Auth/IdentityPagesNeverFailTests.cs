using System.Net;
using System.Text.RegularExpressions;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Auth;

/// <summary>
/// No exposed Identity page answers 500 (or 400, which only an antiforgery failure may give) in any state a person
/// can reach: signed out, signed in with two-factor sign-in off or on, or half-way through a two-factor sign-in; for
/// GET and for POST with a valid antiforgery token, with empty or bogus fields and query parameters. Swept on the
/// Development site and on the Production one (no developer exception page), reached over plain HTTP as a loopback
/// TLS-terminating proxy would (<c>X-Forwarded-Proto: https</c>).
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed partial class IdentityPagesNeverFailTests(ChatServer development, ProductionChatServer production)
    : IClassFixture<ProductionChatServer>
{
    public enum State { SignedOut, TwoFactorOff, TwoFactorOn, TwoFactorPending }

    public static TheoryData<string, string> PagesOnBothSites()
    {
        var rows = new TheoryData<string, string>();
        foreach (var page in IdentityPagesTests.ExposedPages)
        {
            rows.Add("Development", page);
            rows.Add("Production", page);
        }
        return rows;
    }

    /// <summary>Query strings: none, empty parameters, well-formed but wrong ones, malformed ones, an unknown handler.</summary>
    public static readonly string[] Queries =
    [
        "",
        "?userId=&code=&email=&returnUrl=",
        "?userId=no-such-user&code=bm90LWEtY29kZQ&email=nobody%40example.test&rememberMe=true",
        "?userId=%00%22&code=%25not*base64!&email=not-an-email&rememberMe=maybe&returnUrl=https%3A%2F%2Fevil.test",
        "?handler=NoSuchHandler",
    ];

    /// <summary>Form fields: none, or every field of every Identity form with nonsense in it.</summary>
    public static readonly Dictionary<string, string>[] Forms =
    [
        [],
        new()
        {
            ["Input.Email"] = "not-an-email", ["Input.Password"] = "x", ["Input.ConfirmPassword"] = "y",
            ["Input.OldPassword"] = "x", ["Input.NewPassword"] = "y", ["Input.NewEmail"] = "not-an-email",
            ["Input.Code"] = "12", ["Input.TwoFactorCode"] = "abcdef", ["Input.RecoveryCode"] = "nope",
            ["Input.RememberMe"] = "maybe", ["Input.RememberMachine"] = "maybe", ["Input.PhoneNumber"] = "call me",
            ["Input.DisplayName"] = "", ["Input.UserId"] = "no-such-user",
        },
    ];

    [Theory]
    [MemberData(nameof(PagesOnBothSites))]
    public async Task Exposed_identity_page_never_answers_500_or_400_in_any_state(string site, string page)
    {
        var server = site == "Production" ? production : development;
        var failures = new List<string>();
        foreach (var state in Enum.GetValues<State>())
        {
            using var visitor = await Visitor.InStateAsync(server, state);
            foreach (var query in Queries)
            {
                var response = await visitor.Http.GetAsync(page + query);
                if (IsFailure(response.StatusCode)) failures.Add($"{state} GET {page}{query}: {(int)response.StatusCode}");
            }
            foreach (var query in Queries.Where((_, i) => i is 0 or 3 or 4))
            {
                foreach (var form in Forms)
                {
                    var response = await visitor.PostAsync(page + query, form);
                    if (IsFailure(response.StatusCode)) failures.Add($"{state} POST {page}{query} ({form.Count} fields): {(int)response.StatusCode}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [InlineData(State.SignedOut, "/Identity/Account/LoginWith2fa", "/Identity/Account/Login")]
    [InlineData(State.SignedOut, "/Identity/Account/LoginWithRecoveryCode", "/Identity/Account/Login")]
    [InlineData(State.TwoFactorOn, "/Identity/Account/LoginWith2fa", "/Identity/Account/Login")]
    [InlineData(State.TwoFactorOff, "/Identity/Account/Manage/Disable2fa", "/Identity/Account/Manage/TwoFactorAuthentication")]
    [InlineData(State.TwoFactorOff, "/Identity/Account/Manage/GenerateRecoveryCodes", "/Identity/Account/Manage/TwoFactorAuthentication")]
    [InlineData(State.SignedOut, "/Identity/Account/ResetPassword?code=%25bad", "/Identity/Account/Login")]
    [InlineData(State.SignedOut, "/Identity/Account/ResetPassword", "/Identity/Account/Login")]
    public async Task A_state_the_page_cannot_serve_ends_on_a_page_that_can_with_a_warning(State state, string path, string target)
    {
        using var visitor = await Visitor.InStateAsync(development, state);

        var response = await visitor.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(target, response.Headers.Location!.OriginalString);
        var page = path.Split('?')[0]["/Identity".Length..];
        Assert.Contains(development.Logs.Lines, line => line.StartsWith("Warning ") && line.Contains($"Identity page {page} cannot serve this GET"));
        var landing = await visitor.Http.GetAsync(target);
        Assert.Equal(HttpStatusCode.OK, landing.StatusCode);
        // Manage pages say why the person landed there, in their status message.
        if (target.Contains("/Manage/")) Assert.Contains("that step is not available", await landing.Content.ReadAsStringAsync());
    }

    private static bool IsFailure(HttpStatusCode status) => status is HttpStatusCode.InternalServerError or HttpStatusCode.BadRequest;

    /// <summary>
    /// A browser session: on the Production site as behind a TLS proxy (<see cref="SiteClient"/> with
    /// <c>behindTlsProxy</c>, so its Secure cookies travel over the plain-HTTP loopback link as a browser's would).
    /// </summary>
    private sealed partial class Visitor : IDisposable
    {
        private readonly SiteClient _client;

        private Visitor(ChatServer server) =>
            _client = new SiteClient(server.BaseAddress, behindTlsProxy: server is ProductionChatServer);

        public HttpClient Http => _client.Http;

        public static async Task<Visitor> InStateAsync(ChatServer server, State state)
        {
            var visitor = new Visitor(server);
            if (state == State.SignedOut) return visitor;
            var email = SiteClient.NewEmail("no500");
            Assert.Equal(HttpStatusCode.Redirect, (await visitor.PostAsync("/Identity/Account/Register", new()
            {
                ["Input.Email"] = email, ["Input.Password"] = SiteClient.Password, ["Input.ConfirmPassword"] = SiteClient.Password,
            })).StatusCode);
            if (state == State.TwoFactorOff) return visitor;
            await visitor.EnableAuthenticatorAsync();
            if (state == State.TwoFactorOn) return visitor;
            await visitor.PostAsync("/Identity/Account/Logout", []);
            var password = await visitor.PostAsync("/Identity/Account/Login", new() { ["Input.Email"] = email, ["Input.Password"] = SiteClient.Password });
            Assert.StartsWith("/Identity/Account/LoginWith2fa", password.Headers.Location!.OriginalString);
            return visitor;
        }

        /// <summary>Posts with a valid antiforgery token for the current session, taken from the Login page's form.</summary>
        public async Task<HttpResponseMessage> PostAsync(string path, Dictionary<string, string> fields)
        {
            var token = SiteClient.FormToken(await Http.GetStringAsync("/Identity/Account/Login"));
            return await Http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token }));
        }

        private async Task EnableAuthenticatorAsync()
        {
            const string path = "/Identity/Account/Manage/EnableAuthenticator";
            var page = await Http.GetStringAsync(path);
            var sharedKey = WebUtility.HtmlDecode(SharedKey().Match(page).Groups[1].Value);
            var response = await Http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Code"] = AuthenticatorCodes.Now(sharedKey),
                ["__RequestVerificationToken"] = SiteClient.FormToken(page),
            }));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        }

        public void Dispose() => _client.Dispose();

        [GeneratedRegex("<kbd>([^<]+)</kbd>")]
        private static partial Regex SharedKey();
    }
}
