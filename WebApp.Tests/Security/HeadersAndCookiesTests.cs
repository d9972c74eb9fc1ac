using System.Net;
using System.Text.RegularExpressions;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Security;

[Collection(ChatServerCollection.Name)]
public sealed partial class HeadersAndCookiesTests(ChatServer server)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/Identity/Account/Login")]
    [InlineData("/rooms/no-such-room")]
    public async Task Every_page_carries_a_strict_content_security_policy(string path)
    {
        using var visitor = server.NewVisitor();

        var response = await visitor.Http.GetAsync(path);

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var scriptSources = ScriptSrc().Match(csp).Groups[1].Value;
        Assert.Equal("'self'", scriptSources.Trim());
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task Pages_have_no_inline_script()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("No inline script");

        foreach (var path in new[] { "/", $"/rooms/{slug}", "/Identity/Account/Manage" })
        {
            var html = await alice.Http.GetStringAsync(path);
            Assert.DoesNotMatch(InlineScript(), html);
            Assert.DoesNotMatch(InlineEventHandler(), html);
        }
    }

    [Fact]
    public async Task Cookies_are_http_only_and_same_site_lax()
    {
        var cookies = await SignInCookiesAsync(server);

        Assert.All(cookies.Values, cookie =>
        {
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        });
        Assert.True(cookies.ContainsKey(".AspNetCore.Identity.Application"));
    }

    [Fact]
    public async Task Outside_development_cookies_are_secure()
    {
        await using var production = new ProductionChatServer();
        await production.InitializeAsync();
        try
        {
            var cookies = await SignInCookiesAsync(production);

            Assert.True(cookies.ContainsKey(".AspNetCore.Identity.Application"));
            Assert.All(cookies.Values, cookie => Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            await ((IAsyncLifetime)production).DisposeAsync();
        }
    }

    /// <summary>
    /// Registers through the form with a bare client (a cookie jar would drop Secure cookies over HTTP), as if
    /// through a TLS-terminating proxy on this machine that says so with X-Forwarded-Proto.
    /// </summary>
    private static async Task<Dictionary<string, string>> SignInCookiesAsync(ChatServer target)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = target.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        var form = await http.GetAsync("/Identity/Account/Register");
        Assert.True(form.IsSuccessStatusCode, $"register page answered {(int)form.StatusCode}: {await form.Content.ReadAsStringAsync()}");
        var cookies = SetCookies(form);
        var antiforgery = SiteClient.FormToken(await form.Content.ReadAsStringAsync());
        var email = SiteClient.NewEmail("cookie");
        var post = new HttpRequestMessage(HttpMethod.Post, "/Identity/Account/Register")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Email"] = email,
                ["Input.Password"] = SiteClient.Password,
                ["Input.ConfirmPassword"] = SiteClient.Password,
                ["__RequestVerificationToken"] = antiforgery,
            }),
        };
        post.Headers.Add("Cookie", string.Join("; ", cookies.Values.Select(c => c.Split(';')[0])));
        var registered = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        foreach (var (name, value) in SetCookies(registered)) cookies[name] = value;
        return cookies;
    }

    private static Dictionary<string, string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.ToDictionary(v => v.Split('=')[0], v => v)
            : [];

    [GeneratedRegex("script-src([^;]*)")]
    private static partial Regex ScriptSrc();

    /// <summary>
    /// A script element without <c>src</c> that a browser would run: a data block (<c>type="application/json"</c>,
    /// HTML's "data block", never executed; the room page's texts for chat.js) is not one.
    /// </summary>
    [GeneratedRegex("<script(?![^>]*\\bsrc=)(?![^>]*\\btype=\"application/json\")[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex("<[a-z][^>]*\\son[a-z]+\\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineEventHandler();
}
