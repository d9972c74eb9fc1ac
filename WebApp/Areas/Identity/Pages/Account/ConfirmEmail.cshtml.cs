using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using WebApp.Data;

namespace WebApp.Areas.Identity.Pages.Account;

/// <summary>The page an email confirmation link opens (Identity UI's, worded as the site).</summary>
[AllowAnonymous]
public sealed class ConfirmEmailModel(UserManager<AppUser> userManager, ILogger<ConfirmEmailModel> logger) : PageModel
{
    [TempData]
    public string? StatusMessage { get; set; }

    public async Task<IActionResult> OnGetAsync(string? userId, string? code)
    {
        if (userId is null || code is null) return RedirectToPage("/Index", new { area = "" });
        var user = await userManager.FindByIdAsync(userId);
        var result = user is null
            ? IdentityResult.Failed()
            : await userManager.ConfirmEmailAsync(user, Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code)));
        logger.LogInformation("Email confirmation for user {UserId}: {Outcome}", user?.Id ?? "(unknown)", result.Succeeded ? "confirmed" : "refused");
        StatusMessage = result.Succeeded
            ? "Thank you: your email address is confirmed."
            : "Error: this confirmation link does not work (it may be for an older address). Ask for a new one from your account's Email page.";
        return Page();
    }
}
