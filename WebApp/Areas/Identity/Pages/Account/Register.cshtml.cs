using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WebApp.Data;

namespace WebApp.Areas.Identity.Pages.Account;

/// <summary>
/// Identity UI's registration without the external-login section: the new person is signed in at once (no mail is
/// needed; the address can be confirmed later on the account's Email page).
/// </summary>
[AllowAnonymous]
public sealed class RegisterModel(UserManager<AppUser> userManager, SignInManager<AppUser> signInManager, ILogger<RegisterModel> logger) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    public string ReturnUrl { get; private set; } = "~/";

    public sealed class InputModel
    {
        [Required(ErrorMessage = "The {0} field is required.")]
        [EmailAddress(ErrorMessage = "The {0} field is not a valid e-mail address.")]
        [Display(Name = "Email")]
        public string Email { get; set; } = "";

        [Required(ErrorMessage = "The {0} field is required.")]
        [StringLength(100, ErrorMessage = "The {0} must be at least {2} and at most {1} characters long.", MinimumLength = 6)]
        [DataType(DataType.Password)]
        [Display(Name = "Password")]
        public string Password { get; set; } = "";

        [Required(ErrorMessage = "The {0} field is required.")]
        [DataType(DataType.Password)]
        [Display(Name = "Confirm password")]
        [Compare("Password", ErrorMessage = "The password and confirmation password do not match.")]
        public string ConfirmPassword { get; set; } = "";
    }

    public void OnGet(string? returnUrl = null) => ReturnUrl = returnUrl ?? Url.Content("~/");

    public async Task<IActionResult> OnPostAsync(string? returnUrl = null)
    {
        ReturnUrl = returnUrl ?? Url.Content("~/");
        if (!ModelState.IsValid) return Page();

        // The user name is the email, as in Identity UI.
        var user = new AppUser { UserName = Input.Email, Email = Input.Email };
        var result = await userManager.CreateAsync(user, Input.Password);
        if (result.Succeeded)
        {
            logger.LogInformation("User {UserId} created an account", user.Id);
            await signInManager.SignInAsync(user, isPersistent: false);
            return LocalRedirect(ReturnUrl);
        }
        foreach (var error in ShownErrors(result.Errors))
        {
            ModelState.AddModelError(string.Empty, error.Description);
        }
        return Page();
    }

    /// <summary>
    /// The user name is the email, so a taken address fails both uniqueness checks; the person is told once, in the
    /// email's terms.
    /// </summary>
    public static IEnumerable<IdentityError> ShownErrors(IEnumerable<IdentityError> errors)
    {
        var list = errors.ToList();
        var emailTaken = list.Any(error => error.Code == nameof(IdentityErrorDescriber.DuplicateEmail));
        return list
            .Where(error => !(emailTaken && error.Code == nameof(IdentityErrorDescriber.DuplicateUserName)))
            .DistinctBy(error => error.Description);
    }
}
