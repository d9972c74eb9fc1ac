using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using WebApp.Data;

namespace WebApp.Areas.Identity.Pages.Account.Manage;

/// <summary>
/// Identity UI's authenticator set-up, without its pointer to Microsoft's QR-code article and with this site as the
/// issuer of the otpauth URI (Key Uri Format of Google Authenticator, RFC 6238 codes). Recovery codes go to
/// ShowRecoveryCodes through TempData, as in Identity UI.
/// </summary>
public sealed class EnableAuthenticatorModel(UserManager<AppUser> userManager, ILogger<EnableAuthenticatorModel> logger, IStringLocalizer<IdentityText> text) : PageModel
{
    private const string Issuer = "Chat";

    /// <summary>The key in groups of four, lower case, as the person types it into an app.</summary>
    public string SharedKey { get; private set; } = "";

    /// <summary>otpauth://totp/{issuer}:{email}?secret={key}&amp;issuer={issuer}&amp;digits=6</summary>
    public string AuthenticatorUri { get; private set; } = "";

    [TempData]
    public string[]? RecoveryCodes { get; set; }

    [TempData]
    public string? StatusMessage { get; set; }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public sealed class InputModel
    {
        [Required(ErrorMessage = "The {0} field is required.")]
        [StringLength(7, ErrorMessage = "The {0} must be at least {2} and at most {1} characters long.", MinimumLength = 6)]
        [DataType(DataType.Text)]
        [Display(Name = "Code from the app")]
        public string Code { get; set; } = "";
    }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null) return NotFound("Unable to load your account.");
        await LoadSharedKeyAsync(user);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null) return NotFound("Unable to load your account.");
        if (!ModelState.IsValid)
        {
            await LoadSharedKeyAsync(user);
            return Page();
        }

        var code = Input.Code.Replace(" ", string.Empty).Replace("-", string.Empty);
        if (!await userManager.VerifyTwoFactorTokenAsync(user, userManager.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            ModelState.AddModelError("Input.Code", text["That code is not right: enter the code the app shows now."]);
            await LoadSharedKeyAsync(user);
            return Page();
        }

        await userManager.SetTwoFactorEnabledAsync(user, true);
        logger.LogInformation("User {UserId} turned on two-factor sign-in with an authenticator app", user.Id);
        StatusMessage = "Your authenticator app has been verified.";
        if (await userManager.CountRecoveryCodesAsync(user) == 0)
        {
            RecoveryCodes = [.. await userManager.GenerateNewTwoFactorRecoveryCodesAsync(user, 10) ?? []];
            return RedirectToPage("./ShowRecoveryCodes");
        }
        return RedirectToPage("./TwoFactorAuthentication");
    }

    private async Task LoadSharedKeyAsync(AppUser user)
    {
        var key = await userManager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await userManager.ResetAuthenticatorKeyAsync(user);
            key = await userManager.GetAuthenticatorKeyAsync(user) ?? "";
        }
        var grouped = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            if (i > 0) grouped.Append(' ');
            grouped.Append(key.AsSpan(i, Math.Min(4, key.Length - i)));
        }
        SharedKey = grouped.ToString().ToLowerInvariant();
        AuthenticatorUri = $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(user.Email ?? "")}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&digits=6";
    }
}
