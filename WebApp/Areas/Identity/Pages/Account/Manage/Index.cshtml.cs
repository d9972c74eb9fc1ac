using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using WebApp.Auth;
using WebApp.Data;

namespace WebApp.Areas.Identity.Pages.Account.Manage;

/// <summary>Identity UI's profile page, with the display name in place of the phone number.</summary>
public sealed class IndexModel(UserManager<AppUser> userManager, SignInManager<AppUser> signInManager, ILogger<IndexModel> logger, IStringLocalizer<IdentityText> text, IStringLocalizer<AuthText> reasons) : PageModel
{
    public string Username { get; private set; } = "";

    /// <summary>What others see when the display name is left empty.</summary>
    public string DefaultDisplayName { get; private set; } = "";

    [TempData]
    public string? StatusMessage { get; set; }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public sealed class InputModel
    {
        [Display(Name = "Display name")]
        [StringLength(AppUser.DisplayNameMaxLength, ErrorMessage = "The display name can be at most {1} characters.")]
        public string? DisplayName { get; set; }
    }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null) return NotFound("Unable to load your account.");
        Load(user);
        Input.DisplayName = user.DisplayName;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null) return NotFound("Unable to load your account.");
        if (!ModelState.IsValid)
        {
            Load(user);
            return Page();
        }

        // Empty (or only spaces) means "use the default"; anything else must be a name that shows.
        string? displayName = null;
        if (!string.IsNullOrWhiteSpace(Input.DisplayName))
        {
            var cleaned = UserText.Clean(Input.DisplayName, UserTextShape.Line);
            if (!cleaned.IsValid)
            {
                var reason = cleaned.Problem == UserTextProblem.Blank
                    ? "A display name must show something; leave it empty to use the default."
                    : cleaned.Reason;
                logger.LogInformation("Display name of user {UserId} not changed: {Reason}", user.Id, reason);
                ModelState.AddModelError("Input.DisplayName", cleaned.Problem == UserTextProblem.Blank ? text[reason] : reasons.Reason(cleaned));
                Load(user);
                return Page();
            }
            displayName = cleaned.Text;
        }
        if (displayName != user.DisplayName)
        {
            user.DisplayName = displayName;
            var result = await userManager.UpdateAsync(user);
            if (result.Errors.FirstOrDefault(e => e.Code == Auth.AppUserManager.DuplicateDisplayNameCode) is { } taken)
            {
                ModelState.AddModelError("Input.DisplayName", taken.Description);
                Load(user);
                return Page();
            }
            if (!result.Succeeded)
            {
                StatusMessage = "Error: your profile could not be saved.";
                return RedirectToPage();
            }
        }

        // The display name travels in the cookie: issue a fresh one.
        await signInManager.RefreshSignInAsync(user);
        StatusMessage = "Your profile has been updated";
        return RedirectToPage();
    }

    /// <summary>
    /// A new security stamp invalidates every cookie and socket token of this user: other browsers' sockets close
    /// with 4001 at once, and their cookies stop working at the next stamp check.
    /// </summary>
    public async Task<IActionResult> OnPostSignOutEverywhereAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null) return NotFound("Unable to load your account.");
        await userManager.UpdateSecurityStampAsync(user);
        await signInManager.SignOutAsync();
        return LocalRedirect("/Identity/Account/Login");
    }

    private void Load(AppUser user)
    {
        Username = user.UserName ?? "";
        DefaultDisplayName = AppUser.NameFor(null, user.Email);
    }
}
