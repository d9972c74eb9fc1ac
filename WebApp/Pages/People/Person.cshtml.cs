using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using WebApp.Auth;
using WebApp.Data;

namespace WebApp.Pages.People;

/// <summary>
/// Someone's profile as others see it: the unique display name and when the account was created. The full page is
/// <c>/people/{userId}</c> (what a message's author name links to); <c>?handler=Card</c> is the same as a small card
/// the room page shows on hover or focus. Signed-in people only; an unknown id is 404.
/// </summary>
[Authorize]
public sealed class PersonModel(AppDbContext db, TimeProvider clock, ILogger<PersonModel> logger) : PageModel
{
    public sealed record Profile(string UserId, string DisplayName, DateTime? CreatedAt);

    public Profile Person { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string userId) => await LoadAsync(userId) ? Page() : NotFound();

    /// <summary>Whether this is the signed-in person's own profile (no "Message" button then).</summary>
    public bool IsMe => Person.UserId == User.FindFirstValue(ClaimTypes.NameIdentifier);

    /// <summary>
    /// "Message": opens the direct room of the signed-in person and this one (<see cref="DirectRoom"/>), creating
    /// it the first time. 303 to the room; 404 for an unknown person; 400 for oneself.
    /// </summary>
    public async Task<IActionResult> OnPostMessageAsync(string userId)
    {
        if (!await LoadAsync(userId)) return NotFound();
        var me = User.FindFirstValue(ClaimTypes.NameIdentifier)!;
        if (IsMe)
        {
            logger.LogInformation("Direct room refused for user {UserId}: that is themselves", me);
            return BadRequest("A direct room needs two people: open someone else's profile.");
        }
        var slug = await DirectRoom.OpenAsync(db, clock, (me, User.DisplayName()), (Person.UserId, Person.DisplayName), HttpContext.RequestAborted);
        return Redirect(Url.Page("/Rooms/Room", new { slug })!);
    }

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
