using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Localization;
using WebApp.Data;
using WebApp.Email;

namespace WebApp.Areas.Identity.Pages.Account;

/// <summary>
/// Sends a password reset link to the account with the given address. Unlike Identity UI it does not require a
/// confirmed address (confirming is optional here, so a person who never did would otherwise be locked out for
/// good); the link goes only to the address on the account. With no mail sender the form is not offered.
/// </summary>
[AllowAnonymous]
public sealed class ForgotPasswordModel(UserManager<AppUser> userManager, AccountEmails emails, EmailDelivery delivery, ILogger<ForgotPasswordModel> logger, IStringLocalizer<IdentityText> text) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    public bool CanSend => delivery.CanSend;

    public sealed class InputModel
    {
        [Required(ErrorMessage = "The {0} field is required.")]
        [EmailAddress(ErrorMessage = "The {0} field is not a valid e-mail address.")]
        [Display(Name = "Email")]
        public string Email { get; set; } = "";
    }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!delivery.CanSend)
        {
            logger.LogInformation("Password reset refused: the site has no mail sender");
            return Page();
        }
        if (!ModelState.IsValid) return Page();

        // Whether an account uses the address is not revealed: the same confirmation page follows either way.
        var user = await userManager.FindByEmailAsync(Input.Email);
        if (user is null) return RedirectToPage("./ForgotPasswordConfirmation");

        var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await userManager.GeneratePasswordResetTokenAsync(user)));
        var link = emails.Link(Request, Url.Page("/Account/ResetPassword", pageHandler: null, values: new { area = "Identity", code })!);
        try
        {
            await emails.SendPasswordResetLinkAsync(user, user.Email!, link);
        }
        catch (EmailNotSentException)
        {
            ModelState.AddModelError(string.Empty, text[EmailNotSentException.PersonMessage]);
            return Page();
        }
        logger.LogInformation("Password reset link sent to user {UserId}", user.Id);
        return RedirectToPage("./ForgotPasswordConfirmation");
    }
}
