using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WebApp.Data;
using WebApp.Localization;

namespace WebApp.Pages;

/// <summary>
/// <c>POST /Language</c> with form fields <c>culture</c> (one of <see cref="SiteCultures.Names"/>) and
/// <c>returnUrl</c>: remembers the choice in the culture cookie (a year) and, for a signed-in person, on the account
/// (<see cref="AppUser.Culture"/>, which then wins on every device), and goes back to <c>returnUrl</c> when it is local
/// (else home). An unsupported culture answers 400 and changes nothing.
/// </summary>
public sealed class LanguageModel(ILogger<LanguageModel> logger) : PageModel
{
    public IActionResult OnGet() => LocalRedirect("/");

    public async Task<IActionResult> OnPostAsync(string? culture, string? returnUrl,
        [FromServices] UserManager<AppUser> users, [FromServices] SignInManager<AppUser> signIn)
    {
        var chosen = SiteCultures.Names.FirstOrDefault(name => string.Equals(name, culture, StringComparison.OrdinalIgnoreCase));
        if (chosen is null)
        {
            logger.LogInformation("Language change refused: {Culture} is not a supported culture", culture?.Length > 32 ? culture[..32] : culture);
            return BadRequest();
        }

        Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName, LocalizationExtensions.CookieValue(chosen), new CookieOptions
        {
            Expires = DateTimeOffset.UtcNow.AddYears(1),
            IsEssential = true,
            HttpOnly = true,
            Secure = Request.IsHttps,
            SameSite = SameSiteMode.Lax,
        });

        if (User.Identity?.IsAuthenticated == true && await users.GetUserAsync(User) is { } user && user.Culture != chosen)
        {
            user.Culture = chosen;
            var updated = await users.UpdateAsync(user);
            if (updated.Succeeded)
            {
                // A new cookie carries the account's new choice (AccountCultureProvider reads it from there).
                await signIn.RefreshSignInAsync(user);
            }
            else
            {
                logger.LogWarning("Saving the language {Culture} on account {UserId} failed: {Errors}", chosen, user.Id,
                    string.Join("; ", updated.Errors.Select(e => e.Code)));
            }
        }

        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/");
    }
}
