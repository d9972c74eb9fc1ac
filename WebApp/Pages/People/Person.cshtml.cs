using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Pages.People;

/// <summary>
/// Someone's profile as others see it: the unique display name and when the account was created. The full page is
/// <c>/people/{userId}</c> (what a message's author name links to); <c>?handler=Card</c> is the same as a small card
/// the room page shows on hover or focus. Signed-in people only; an unknown id is 404.
/// </summary>
[Authorize]
public sealed class PersonModel(AppDbContext db) : PageModel
{
    public sealed record Profile(string UserId, string DisplayName, DateTime? CreatedAt);

    public Profile Person { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string userId) => await LoadAsync(userId) ? Page() : NotFound();

    public async Task<IActionResult> OnGetCardAsync(string userId) => await LoadAsync(userId) ? Partial("_ProfileCard", Person) : NotFound();

    private async Task<bool> LoadAsync(string userId)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.Id, u.DisplayName, u.Email, u.UserName, u.CreatedAt }).SingleOrDefaultAsync();
        if (user is null) return false;
        Person = new Profile(user.Id, AppUser.NameFor(user.DisplayName, user.Email ?? user.UserName), user.CreatedAt);
        return true;
    }
}
