using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Localization;
using WebApp.Data;
using WebApp.Email;

namespace WebApp.Areas.Identity.Pages.Account.Manage;

/// <summary>
/// Identity UI's Email page: change the address (a link to the new one confirms it) and confirm the current one.
/// Without a mail sender both are refused and the page says to ask an administrator.
/// </summary>
public sealed class EmailModel(UserManager<AppUser> userManager, AccountEmails emails, EmailDelivery delivery, ILogger<EmailModel> logger, IStringLocalizer<IdentityText> text) : PageModel
{
    public const string Unavailable = "Error: this site cannot send email, so your address cannot be changed or confirmed here. Please ask an administrator.";

    public string Email { get; private set; } = "";

    public bool IsEmailConfirmed { get; private set; }

    public bool CanSend => delivery.CanSend;

    [TempData]
    public string? StatusMessage { get; set; }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public sealed class InputModel
    {
        [Required(ErrorMessage = "The {0} field is required.")]
        [EmailAddress(ErrorMessage = "The {0} field is not a valid e-mail address.")]
        [Display(Name = "New email")]
        public string NewEmail { get; set; } = "";
    }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null) return NotFound("Unable to load your account.");
        Load(user);
        Input.NewEmail = Email;
        return Page();
    }

    public async Task<IActionResult> OnPostChangeEmailAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null) return NotFound("Unable to load your account.");
        if (!delivery.CanSend) return Refused(user);
        if (!ModelState.IsValid)
        {
            Load(user);
            return Page();
        }
        if (userManager.NormalizeEmail(Input.NewEmail) == user.NormalizedEmail)
        {
            StatusMessage = "Your email is unchanged.";
            return RedirectToPage();
        }

        var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await userManager.GenerateChangeEmailTokenAsync(user, Input.NewEmail)));
        var link = emails.Link(Request, Url.Page("/Account/ConfirmEmailChange", pageHandler: null,
            values: new { area = "Identity", userId = user.Id, email = Input.NewEmail, code })!);
        try
        {
            await emails.SendEmailChangeLinkAsync(user, Input.NewEmail, link);
        }
        catch (EmailNotSentException)
        {
            ModelState.AddModelError(string.Empty, text[EmailNotSentException.PersonMessage]);
            Load(user);
            return Page();
        }
        logger.LogInformation("Email change link sent for user {UserId}", user.Id);
        StatusMessage = "We sent a link to your new address. Your email changes when you follow it.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostSendVerificationEmailAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null) return NotFound("Unable to load your account.");
        if (!delivery.CanSend) return Refused(user);

        var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await userManager.GenerateEmailConfirmationTokenAsync(user)));
        var link = emails.Link(Request, Url.Page("/Account/ConfirmEmail", pageHandler: null, values: new { area = "Identity", userId = user.Id, code })!);
        try
        {
            await emails.SendConfirmationLinkAsync(user, user.Email!, link);
        }
        catch (EmailNotSentException)
        {
            StatusMessage = "Error: " + EmailNotSentException.PersonMessage; // the English text, a key of IdentityText
            return RedirectToPage();
        }
        logger.LogInformation("Email confirmation link sent to user {UserId}", user.Id);
        StatusMessage = "We sent a confirmation link to your address.";
        return RedirectToPage();
    }

    private RedirectToPageResult Refused(AppUser user)
    {
        logger.LogInformation("Email change or confirmation for user {UserId} refused: the site has no mail sender", user.Id);
        StatusMessage = Unavailable;
        return RedirectToPage();
    }

    private void Load(AppUser user)
    {
        Email = user.Email ?? "";
        IsEmailConfirmed = user.EmailConfirmed;
    }
}
