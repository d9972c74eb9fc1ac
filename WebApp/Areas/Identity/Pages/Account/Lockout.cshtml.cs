using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace WebApp.Areas.Identity.Pages.Account;

/// <summary>Where sign-in sends a locked-out account (lockout: AccountsExtensions, 5 failures lock for 5 minutes).</summary>
[AllowAnonymous]
public sealed class LockoutModel : PageModel
{
    public void OnGet() { }
}
