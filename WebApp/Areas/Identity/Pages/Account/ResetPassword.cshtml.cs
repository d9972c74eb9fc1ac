using System.ComponentModel.DataAnnotations;
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
/// The page a reset link opens: the emailed <c>code</c> (base64url, as Identity UI sends it) rides in a hidden field.
/// No code is a 400 and a code that is not base64url a <see cref="FormatException"/>, as in Identity UI; the
/// site's IdentityPageStateFilter sends both to the sign-in page.
/// </summary>
[AllowAnonymous]
public sealed class ResetPasswordModel(UserManager<AppUser> userManager, ILogger<ResetPasswordModel> logger, IStringLocalizer<IdentityText> text) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    public sealed class InputModel
    {
        [Required(ErrorMessage = "The {0} field is required.")]
        [EmailAddress(ErrorMessage = "The {0} field is not a valid e-mail address.")]
        [Display(Name = "Email")]
        public string Email { get; set; } = "";

        [Required(ErrorMessage = "The {0} field is required.")]
        [StringLength(100, ErrorMessage = "The {0} must be at least {2} and at most {1} characters long.", MinimumLength = 6)]
        [DataType(DataType.Password)]
        [Display(Name = "New password")]
        public string Password { get; set; } = "";

        [Required(ErrorMessage = "The {0} field is required.")]
        [DataType(DataType.Password)]
        [Display(Name = "Confirm the new password")]
        [Compare("Password", ErrorMessage = "The password and confirmation password do not match.")]
        public string ConfirmPassword { get; set; } = "";

        [Required(ErrorMessage = "The {0} field is required.")]
        [Display(Name = "Code")]
        public string Code { get; set; } = "";
    }

    public IActionResult OnGet(string? code = null)
    {
        if (code is null) return BadRequest("A code must be supplied for password reset.");
        Input = new InputModel { Code = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code)) };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid) return Page();

        var user = await userManager.FindByEmailAsync(Input.Email);
        // An unknown address gets the answer of a wrong code, so the form does not tell which addresses have accounts.
        var result = user is null
            ? IdentityResult.Failed(new IdentityErrorDescriber().InvalidToken())
            : await userManager.ResetPasswordAsync(user, Input.Code, Input.Password);
        if (result.Succeeded)
        {
            logger.LogInformation("User {UserId} reset their password through an emailed link", user!.Id);
            return RedirectToPage("./ResetPasswordConfirmation");
        }
        logger.LogInformation("Password reset for user {UserId} refused: {Errors}", user?.Id ?? "(no account with that address)", string.Join(", ", result.Errors.Select(error => error.Code)));
        foreach (var error in result.Errors)
        {
            ModelState.AddModelError(string.Empty, error.Code == nameof(IdentityErrorDescriber.InvalidToken)
                ? text["This reset link does not work for that address: check the address, or ask for a new link (a link works once, for one day)."]
                : error.Description);
        }
        return Page();
    }
}
