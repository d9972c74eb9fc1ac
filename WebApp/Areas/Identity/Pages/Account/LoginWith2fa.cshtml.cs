using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using WebApp.Data;

namespace WebApp.Areas.Identity.Pages.Account;

/// <summary>
/// Identity UI's second sign-in step (an authenticator code, RFC 6238), worded as the site. Without a two-factor
/// sign-in in progress it throws <see cref="InvalidOperationException"/>, as Identity UI does, which
/// IdentityPageStateFilter turns into a redirect to the sign-in page.
/// </summary>
[AllowAnonymous]
public sealed class LoginWith2faModel(SignInManager<AppUser> signInManager, ILogger<LoginWith2faModel> logger, IStringLocalizer<IdentityText> text) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    public bool RememberMe { get; private set; }

    public string? ReturnUrl { get; private set; }

    public sealed class InputModel
    {
        [Required(ErrorMessage = "The {0} field is required.")]
        [StringLength(7, ErrorMessage = "The {0} must be at least {2} and at most {1} characters long.", MinimumLength = 6)]
        [DataType(DataType.Text)]
        [Display(Name = "Code from the app")]
        public string TwoFactorCode { get; set; } = "";

        [Required(ErrorMessage = "The {0} field is required.")]
        [Display(Name = "Remember this browser")]
        public bool RememberMachine { get; set; }
    }

    public async Task<IActionResult> OnGetAsync(bool rememberMe, string? returnUrl = null)
    {
        _ = await signInManager.GetTwoFactorAuthenticationUserAsync()
            ?? throw new InvalidOperationException("Unable to load two-factor authentication user.");
        ReturnUrl = returnUrl;
        RememberMe = rememberMe;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(bool rememberMe, string? returnUrl = null)
    {
        RememberMe = rememberMe;
        ReturnUrl = returnUrl;
        if (!ModelState.IsValid) return Page();

        var user = await signInManager.GetTwoFactorAuthenticationUserAsync()
            ?? throw new InvalidOperationException("Unable to load two-factor authentication user.");
        var code = Input.TwoFactorCode.Replace(" ", string.Empty).Replace("-", string.Empty);
        var result = await signInManager.TwoFactorAuthenticatorSignInAsync(code, rememberMe, Input.RememberMachine);
        if (result.Succeeded)
        {
            logger.LogInformation("User {UserId} signed in with two-factor authentication", user.Id);
            return LocalRedirect(returnUrl ?? Url.Content("~/"));
        }
        if (result.IsLockedOut)
        {
            logger.LogWarning("Two-factor sign-in of user {UserId} refused: the account is locked out", user.Id);
            return RedirectToPage("./Lockout");
        }
        logger.LogWarning("Two-factor sign-in of user {UserId} refused: wrong authenticator code", user.Id);
        ModelState.AddModelError(string.Empty, text["That code is not right: enter the code the app shows now."]);
        return Page();
    }
}
