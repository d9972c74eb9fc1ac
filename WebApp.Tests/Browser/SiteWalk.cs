using Microsoft.Playwright;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// Visits every page of the site in a browser, signed out and then signed in (a room, every account page, two-factor
/// sign-in turned on, used and turned off again, sign-out) and reports what a deployed site must never do: a request
/// to another origin (aborted, so the walk never reaches it), a Content Security Policy violation (Chromium's console
/// errors "Refused to ..." or "... violates the following Content Security Policy directive"), an uncaught script error, or an error status on any request to the site. On the Login page it
/// also checks that client-side validation runs: an empty form shows its messages without a request to the server.
/// </summary>
/// <remarks>
/// Needs only a site address and an existing account, so the same walk runs against the test server and against a
/// deployment behind HTTPS. The account ends as it started (two-factor sign-in off, signed out); the walk creates a
/// room only when the room list is empty.
/// </remarks>
public static class SiteWalk
{
    /// <summary>An existing account on the site.</summary>
    public sealed record Credentials(string Email, string Password);

    /// <summary>The pages visited (paths with query) and every problem found, each as "where: what".</summary>
    public sealed record Report(IReadOnlyList<string> Visited, IReadOnlyList<string> Problems);

    private const string Account = "/Identity/Account";

    public static readonly string[] SignedOutPages =
    [
        "/", $"{Account}/Login", $"{Account}/Register", $"{Account}/ForgotPassword", $"{Account}/ForgotPasswordConfirmation",
        // Any well-formed code shows the form; it is checked only when the form is sent.
        $"{Account}/ResetPassword?code=Y29kZQ", $"{Account}/ResetPasswordConfirmation", $"{Account}/ResendEmailConfirmation",
        $"{Account}/Lockout", $"{Account}/AccessDenied", $"{Account}/Logout",
    ];

    public static readonly string[] ManagePages =
    [
        $"{Account}/Manage", $"{Account}/Manage/Email", $"{Account}/Manage/ChangePassword", $"{Account}/Manage/PersonalData",
        $"{Account}/Manage/DeletePersonalData", $"{Account}/Manage/TwoFactorAuthentication", $"{Account}/Manage/ResetAuthenticator",
    ];

    /// <summary>Walks the site in <paramref name="page"/> (a fresh, signed-out browser context).</summary>
    /// <param name="roomGoesLive">
    /// Wait for the room's socket to connect. Only false where a test stands in for a TLS proxy with a forwarded-proto
    /// header, which the socket upgrade does not carry, so the site's origin check rightly refuses it.
    /// </param>
    /// <param name="inspect">Called on every page once it has loaded (its path), to check more than the walk does.</param>
    public static async Task<Report> RunAsync(IPage page, Uri baseAddress, Credentials credentials, bool roomGoesLive = true,
        Func<string, Task>? inspect = null)
    {
        var site = new Uri(baseAddress.GetLeftPart(UriPartial.Authority));
        var visited = new List<string>();
        var problems = new List<string>();
        // Playwright raises page events on its own thread, alongside the walk.
        void Problem(string problem) { lock (problems) problems.Add(problem); }
        string Where() => Uri.TryCreate(page.Url, UriKind.Absolute, out var url) ? url.PathAndQuery : page.Url;

        // The site's own origin, for pages (http/https) and for its sockets (ws/wss on the same host and port).
        bool IsForeign(string url) =>
            Uri.TryCreate(url, UriKind.Absolute, out var target) && target.Scheme is "http" or "https" or "ws" or "wss"
            && !(target.Host == site.Host && target.Port == site.Port
                && (target.Scheme == site.Scheme || target.Scheme == (site.Scheme == "https" ? "wss" : "ws")));

        await page.Context.RouteAsync(IsForeign, async route =>
        {
            Problem($"{Where()}: request to another origin {route.Request.Url}");
            await route.AbortAsync();
        });
        page.WebSocket += (_, socket) => { if (IsForeign(socket.Url)) Problem($"{Where()}: socket to {socket.Url}"); };
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.StartsWith("Refused to", StringComparison.Ordinal))
            {
                Problem($"{Where()}: {message.Text}");
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && !IsForeign(response.Url)) Problem($"{Where()}: {response.Url} answered {response.Status}");
        };
        page.PageError += (_, error) => Problem($"{Where()}: script error {error}");

        async Task VisitAsync(string path)
        {
            var response = await page.GotoAsync(new Uri(site, path).ToString());
            visited.Add(path);
            if (response is null) Problem($"{path}: no response");
            else await InspectAsync(path);
        }

        Task InspectAsync(string path) => inspect?.Invoke(path) ?? Task.CompletedTask;

        foreach (var path in SignedOutPages) await VisitAsync(path);
        await CheckClientSideValidationAsync(page, site, Problem);
        await InspectAsync($"{Account}/Login (client-side validation)");

        // Signed in: the room list, a room with its live connection, every account page.
        var account = new PageObjects.AccountPages(page);
        await SignInAsync(page, site, credentials);
        await Expect(page.Locator("#account-link")).ToBeVisibleAsync();
        await VisitAsync("/");
        var roomLinks = page.Locator("#room-list .room-link");
        string roomPath;
        if (await roomLinks.CountAsync() > 0)
        {
            roomPath = new Uri(site, await roomLinks.First.GetAttributeAsync("href")).PathAndQuery;
        }
        else
        {
            await new PageObjects.HomePage(page).SubmitRoomAsync("Site walk");
            await page.WaitForURLAsync("**/rooms/*");
            roomPath = new Uri(page.Url).PathAndQuery;
        }
        await VisitAsync(roomPath);
        if (roomGoesLive)
        {
            await new PageObjects.RoomPage(page).WaitUntilLiveAsync();
            await InspectAsync($"{roomPath} (live)");
        }
        foreach (var path in ManagePages) await VisitAsync(path);

        // Two-factor sign-in: turn it on, see its pages, sign in with it, turn it off again.
        await VisitAsync($"{Account}/Manage/EnableAuthenticator");
        var sharedKey = await page.Locator("kbd").First.InnerTextAsync();
        await page.FillAsync("#Input_Code", AuthenticatorCodes.Now(sharedKey));
        await page.ClickAsync("#send-code button[type=submit]");
        await page.WaitForURLAsync("**/Manage/ShowRecoveryCodes");
        visited.Add($"{Account}/Manage/ShowRecoveryCodes");
        await InspectAsync($"{Account}/Manage/ShowRecoveryCodes");
        await VisitAsync($"{Account}/Manage/GenerateRecoveryCodes");
        await VisitAsync($"{Account}/Manage/Disable2fa");
        await account.SignOutAsync();
        await SignInAsync(page, site, credentials);
        await page.WaitForURLAsync("**/LoginWith2fa**");
        visited.Add($"{Account}/LoginWith2fa");
        await InspectAsync($"{Account}/LoginWith2fa");
        var secondStep = new Uri(page.Url).PathAndQuery;
        await VisitAsync($"{Account}/LoginWithRecoveryCode?returnUrl=%2F");
        await VisitAsync(secondStep);
        await page.FillAsync("#Input_TwoFactorCode", AuthenticatorCodes.Now(sharedKey));
        await page.Locator("main button[type=submit]").ClickAsync();
        await Expect(page.Locator("#account-link")).ToBeVisibleAsync();
        await VisitAsync($"{Account}/Manage/Disable2fa");
        await page.Locator("main button[type=submit]").ClickAsync();
        await page.WaitForURLAsync("**/Manage/TwoFactorAuthentication");

        await account.SignOutAsync();
        // A last round trip, so that every console message of the last page has arrived.
        await page.EvaluateAsync("() => document.readyState");
        lock (problems) return new Report(visited, [.. problems]);
    }

    private static async Task SignInAsync(IPage page, Uri site, Credentials credentials)
    {
        await page.GotoAsync(new Uri(site, $"{Account}/Login").ToString());
        await page.FillAsync("#Input_Email", credentials.Email);
        await page.FillAsync("#Input_Password", credentials.Password);
        await page.ClickAsync("#login-submit");
    }

    /// <summary>
    /// An empty Login form shows its messages without a request: the ids "Input_Email-error" exist only when
    /// jQuery Validation wrote the message in the browser (the server writes its messages without them).
    /// </summary>
    private static async Task CheckClientSideValidationAsync(IPage page, Uri site, Action<string> problem)
    {
        await page.GotoAsync(new Uri(site, $"{Account}/Login").ToString());
        var posts = 0;
        void CountPosts(object? sender, IRequest request) { if (request.Method == "POST") Interlocked.Increment(ref posts); }
        page.Request += CountPosts;
        await page.ClickAsync("#login-submit");
        try
        {
            await Expect(page.Locator("#Input_Email-error")).ToBeVisibleAsync(new() { Timeout = 5_000 });
            await Expect(page.Locator("#Input_Password-error")).ToBeVisibleAsync(new() { Timeout = 5_000 });
        }
        catch (Exception failure) when (failure is PlaywrightException or TimeoutException)
        {
            problem($"{Account}/Login: an empty form showed no client-side validation message");
        }
        page.Request -= CountPosts;
        if (posts > 0) problem($"{Account}/Login: an empty form was sent to the server ({posts} POST)");
    }

    /// <summary>Registers, signs out, and walks every page of the site at <paramref name="site"/>; fails on any problem.</summary>
    public static async Task RegisterAndWalkAsync(ChromiumBrowser chromium, Uri site, List<IPage> pages)
    {
        var email = SiteClient.NewEmail("walker");
        var page = await chromium.NewPersonAsync(site);
        pages.Add(page);
        var account = new PageObjects.AccountPages(page);
        await account.RegisterAsync(email, SiteClient.Password);
        await account.SignOutAsync();

        var report = await SiteWalk.RunAsync(page, site, new(email, SiteClient.Password));

        Assert.True(report.Problems.Count == 0, string.Join("\n", report.Problems));
        Assert.Superset(new HashSet<string>(SiteWalk.SignedOutPages.Concat(SiteWalk.ManagePages)), new HashSet<string>(report.Visited));
        Assert.Contains(report.Visited, path => path.StartsWith("/rooms/", StringComparison.Ordinal));
        Assert.Contains("/Identity/Account/LoginWith2fa", report.Visited);
    }
}
