using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebApp.Auth;
using WebApp.Chat;
using WebApp.Data;

namespace WebApp.Pages.Rooms;

[Authorize]
public sealed class RoomModel(
    AppDbContext db, UserManager<AppUser> users, SignInManager<AppUser> signIn, SocketTokens tokens, IOptions<ChatOptions> chatOptions) : PageModel
{
    public Room Room { get; private set; } = null!;
    public IReadOnlyList<ChatMessage> History { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug)
    {
        var room = await db.Rooms.AsNoTracking().FirstOrDefaultAsync(r => r.Slug == slug);
        if (room is null) return NotFound();

        Room = room;
        var newestFirst = await db.Messages.AsNoTracking()
            .Where(m => m.RoomId == room.Id)
            .OrderByDescending(m => m.Seq)
            .Take(chatOptions.Value.HistorySize)
            .ToListAsync();
        newestFirst.Reverse();
        History = newestFirst;
        return Page();
    }

    /// <summary>
    /// Mints a short-lived token for this room's socket. The page calls it before every connect, so the token
    /// lives only in memory for a moment and never in storage.
    /// </summary>
    public async Task<IActionResult> OnPostSocketTokenAsync(string slug)
    {
        if (!await db.Rooms.AnyAsync(r => r.Slug == slug)) return NotFound(new { error = "unknown room" });

        // The cookie alone is not enough: its security stamp must still be current ("sign out everywhere",
        // a password change) and the account not locked, or no new socket authorization is handed out.
        var user = await signIn.ValidateSecurityStampAsync(User);
        if (user is null || await users.IsLockedOutAsync(user)) return Unauthorized();

        var sessionId = User.FindFirstValue(AppSignInManager.SessionClaim) ?? "";
        var (token, expiresAt) = tokens.Issue(user.Id, user.EffectiveDisplayName, slug, sessionId, user.SecurityStamp ?? "");
        Response.Headers.CacheControl = "no-store";
        return new JsonResult(new { token, expiresAt = expiresAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") });
    }

    public string CurrentUserId => User.FindFirstValue(ClaimTypes.NameIdentifier)!;
}
