using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Localization;
using WebApp.Data;

namespace WebApp.Areas.Identity.Pages.Account;

/// <summary>
/// The page an email-change link opens: the new address becomes the account's email and, as the two are one here,
/// its user name (the sign-in name), as in Identity UI.
/// </summary>
[AllowAnonymous]
public sealed class ConfirmEmailChangeModel(UserManager<AppUser> userManager, SignInManager<AppUser> signInManager, ILogger<ConfirmEmailChangeModel> logger, IStringLocalizer<IdentityText> text) : PageModel
{
    [TempData]
    public string? StatusMessage { get; set; }

    public async Task<IActionResult> OnGetAsync(string? userId, string? email, string? code)
    {
        if (userId is null || email is null || code is null) return RedirectToPage("/Index", new { area = "" });
        var user = await userManager.FindByIdAsync(userId);
        var result = user is null
            ? IdentityResult.Failed()
            : await userManager.ChangeEmailAsync(user, email, Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code)));
        if (result.Succeeded) result = await userManager.SetUserNameAsync(user!, email);
        if (!result.Succeeded)
        {
            logger.LogInformation("Email change for user {UserId} refused: {Errors}", user?.Id ?? "(unknown)", string.Join(", ", result.Errors.Select(error => error.Code)));
            StatusMessage = result.Errors.Any(error => error.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName))
                ? "Error: another account already uses that address."
                : "Error: this link does not work (it was used already, is more than a day old, or the account changed since). Ask for a new one from your account's Email page.";
            return Page();
        }
        logger.LogInformation("User {UserId} changed their email through an emailed link", user!.Id);
        // The email is the sign-in name, and the cookie carries it: issue a fresh one to the person signed in.
        if (signInManager.IsSignedIn(User) && userManager.GetUserId(User) == user.Id) await signInManager.RefreshSignInAsync(user);
        StatusMessage = text["Your email is now {0}: sign in with it from now on.", email];
        return Page();
    }
}
