using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WebApp.Data;

namespace WebApp.Areas.Identity.Pages.Account;

/// <summary>Identity UI's sign-out: a POST signs out (AppSignInManager also closes this session's sockets).</summary>
[AllowAnonymous]
public sealed class LogoutModel(SignInManager<AppUser> signInManager, ILogger<LogoutModel> logger) : PageModel
{
    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(string? returnUrl = null)
    {
        await signInManager.SignOutAsync();
        logger.LogInformation("User signed out");
        if (returnUrl is not null) return LocalRedirect(returnUrl);
        // A new request, so the page renders for the signed-out person (the principal of this one is still set).
        return RedirectToPage();
    }
}
