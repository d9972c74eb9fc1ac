using System.Net;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Auth;

/// <summary>
/// A sign-in cookie's security stamp is checked again once the cookie is older than the validation interval (a
/// minute), so "sign out everywhere" and a password change retire other cookies within it. The site asks whether the
/// check is due before it builds Identity's validator (AccountsExtensions); this holds it to doing the check when due.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class CookieStampCheckTests(ChatServer server)
{
    public enum StampChange { SignOutEverywhere, PasswordChange }

    [Theory]
    [InlineData(StampChange.SignOutEverywhere)]
    [InlineData(StampChange.PasswordChange)]
    public async Task A_cookie_older_than_the_interval_is_refused_once_the_stamp_changed(StampChange change)
    {
        using var laptop = server.NewVisitor();
        using var phone = server.NewVisitor();
        var email = await laptop.RegisterAsync();
        await phone.LoginAsync(email);
        var slug = await laptop.CreateRoomAsync("Stamp " + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(HttpStatusCode.OK, (await phone.Http.GetAsync($"/rooms/{slug}")).StatusCode);

        AgeSignInCookie(phone, TimeSpan.FromMinutes(2));
        var response = change == StampChange.SignOutEverywhere
            ? await laptop.SignOutEverywhereAsync()
            : await laptop.ChangePasswordAsync("Changed-Pa$$w0rd");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);

        // The room page needs a signed-in person: the stale cookie now leads to the login page.
        var page = await phone.Http.GetAsync($"/rooms/{slug}");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/Identity/Account/Login", page.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_cookie_older_than_the_interval_still_works_while_the_stamp_is_unchanged()
    {
        using var person = server.NewVisitor();
        var slug = await person.SignUpWithRoomAsync("Stamp kept " + Guid.NewGuid().ToString("N")[..6]);

        AgeSignInCookie(person, TimeSpan.FromMinutes(2));

        Assert.Equal(HttpStatusCode.OK, (await person.Http.GetAsync($"/rooms/{slug}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await person.Http.GetAsync($"/rooms/{slug}")).StatusCode);
    }

    /// <summary>Rewrites the person's sign-in cookie as if issued <paramref name="age"/> ago (same claims, same keys).</summary>
    private void AgeSignInCookie(SiteClient person, TimeSpan age)
    {
        var options = server.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        var cookie = person.Cookies.GetAllCookies().Single(c => c.Name == options.Cookie.Name);
        var ticket = options.TicketDataFormat.Unprotect(cookie.Value)!;
        ticket.Properties.IssuedUtc = DateTimeOffset.UtcNow - age;
        ticket.Properties.ExpiresUtc = DateTimeOffset.UtcNow + TimeSpan.FromDays(1);
        cookie.Value = options.TicketDataFormat.Protect(ticket);
        person.Cookies.Add(cookie);
    }
}
