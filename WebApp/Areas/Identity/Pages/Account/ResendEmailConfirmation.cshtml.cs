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

/// <summary>Sends an email confirmation link to the account with the given address; not offered without a mail sender.</summary>
[AllowAnonymous]
public sealed class ResendEmailConfirmationModel(UserManager<AppUser> userManager, AccountEmails emails, EmailDelivery delivery, ILogger<ResendEmailConfirmationModel> logger, IStringLocalizer<IdentityText> text) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    public bool CanSend => delivery.CanSend;

    /// <summary>The form was accepted (whether or not an account uses the address, which is not revealed).</summary>
    public bool Sent { get; private set; }

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
            logger.LogInformation("Email confirmation refused: the site has no mail sender");
            return Page();
        }
        if (!ModelState.IsValid) return Page();

        var user = await userManager.FindByEmailAsync(Input.Email);
        if (user is not null && !await userManager.IsEmailConfirmedAsync(user))
        {
            var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await userManager.GenerateEmailConfirmationTokenAsync(user)));
            var link = emails.Link(Request, Url.Page("/Account/ConfirmEmail", pageHandler: null, values: new { area = "Identity", userId = user.Id, code })!);
            try
            {
                await emails.SendConfirmationLinkAsync(user, user.Email!, link);
            }
            catch (EmailNotSentException)
            {
                ModelState.AddModelError(string.Empty, text[EmailNotSentException.PersonMessage]);
                return Page();
            }
            logger.LogInformation("Email confirmation link sent to user {UserId}", user.Id);
        }
        Sent = true;
        return Page();
    }
}
