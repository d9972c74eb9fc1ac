using Microsoft.Playwright;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// One headless Debian Chromium for the whole run, driven by Playwright. Playwright's own browser download cannot
/// work here, so the system browser is required: a missing one fails the run rather than skipping tests.
/// </summary>
public sealed class ChromiumBrowser : IAsyncLifetime
{
    private static readonly string[] UsualPaths = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    private IPlaywright _playwright = null!;

    public IBrowser Browser { get; private set; } = null!;

    private static string? FindExecutable() =>
        Environment.GetEnvironmentVariable("PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH") is { Length: > 0 } configured
            ? configured
            : UsualPaths.FirstOrDefault(File.Exists);

    public async Task InitializeAsync()
    {
        var executable = FindExecutable() ?? await InstallDebianChromiumAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-gpu"],
        });
    }

    /// <summary>
    /// On a fresh Debian machine (where tests run as root) the test command installs the browser it needs,
    /// so `dotnet test WebApp.sln` alone is enough.
    /// </summary>
    private static async Task<string> InstallDebianChromiumAsync()
    {
        await HostCommands.InstallDebianPackageAsync("chromium", () => FindExecutable() is not null);
        return FindExecutable()!;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }

    /// <summary>
    /// A fresh browser profile (its own cookies), like a second person on another machine; with
    /// <paramref name="locale"/> (e.g. <c>ja-JP</c>) a browser set to that language: its Accept-Language,
    /// <c>navigator.language</c> and Intl default.
    /// </summary>
    public async Task<IPage> NewPersonAsync(Uri baseAddress, bool javaScriptEnabled = true, string? locale = null)
    {
        // HTTPS tests use a throwaway self-signed certificate made by the tests (TestCertificate).
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = baseAddress.ToString(), JavaScriptEnabled = javaScriptEnabled, IgnoreHTTPSErrors = true, Locale = locale,
        });
        context.SetDefaultTimeout(10_000);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// A browser signed in as <paramref name="person"/> (their cookies, plus <paramref name="extraCookies"/> as name and
    /// value), with <paramref name="options"/> (size, scheme, zone; BaseURL and the test certificate are set here);
    /// the page joins <paramref name="pages"/>.
    /// </summary>
    public async Task<IPage> NewPageAsAsync(SiteClient person, BrowserNewContextOptions options, List<IPage> pages,
        params (string Name, string Value)[] extraCookies)
    {
        var site = person.BaseAddress;
        options.BaseURL = site.ToString();
        options.IgnoreHTTPSErrors = true;
        var context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(10_000);
        await context.AddCookiesAsync(person.Cookies.GetCookies(site).Select(c => (c.Name, c.Value)).Concat(extraCookies)
            .Select(c => new Cookie { Name = c.Name, Value = c.Value, Url = site.ToString() }));
        var page = await context.NewPageAsync();
        pages.Add(page);
        return page;
    }

    /// <summary>A new person who has just registered through the site's form; the page joins <paramref name="pages"/>.</summary>
    public async Task<IPage> NewSignedInPersonAsync(Uri baseAddress, List<IPage> pages, string email)
    {
        var page = await NewPersonAsync(baseAddress);
        pages.Add(page);
        await new Browser.PageObjects.AccountPages(page).RegisterAsync(email, SiteClient.Password);
        return page;
    }

    /// <summary>Runs a browser test and keeps a screenshot of every open page when it fails.</summary>
    public static async Task WithScreenshotsOnFailureAsync(string testName, Func<List<IPage>, Task> test)
    {
        var pages = new List<IPage>();
        try
        {
            await test(pages);
        }
        catch
        {
            var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(directory);
            for (var i = 0; i < pages.Count; i++)
            {
                try { await pages[i].ScreenshotAsync(new() { Path = Path.Combine(directory, $"{testName}-{i}.png"), FullPage = true }); }
                catch (PlaywrightException) { }
            }
            throw;
        }
        finally
        {
            foreach (var page in pages) await page.Context.CloseAsync();
        }
    }
}
