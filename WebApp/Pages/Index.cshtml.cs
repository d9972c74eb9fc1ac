using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using WebApp.Chat;
using WebApp.Data;
using WebApp.Localization;

namespace WebApp.Pages;

public sealed class IndexModel(
    AppDbContext db, IPresenceStore presence, TimeProvider clock, IStringLocalizer<SiteText> t,
    IStringLocalizer<WebApp.Pages.Rooms.RoomsText> roomsText, ILogger<IndexModel> logger) : PageModel
{
    public sealed record RoomSummary(int Id, string Slug, string Name, bool IsPrivate, int MessageCount, DateTime? LastActivity);

    public sealed class CreateRoomInput
    {
        public string? Name { get; set; }
        public bool IsPrivate { get; set; }
    }

    public IReadOnlyList<RoomSummary> Rooms { get; private set; } = [];
    private IReadOnlyDictionary<int, int> _online = new Dictionary<int, int>();
    private IReadOnlyDictionary<int, UnreadCount>? _unread;

    [BindProperty]
    public CreateRoomInput Input { get; set; } = new();

    public async Task OnGetAsync() => Rooms = await LoadRoomsAsync();

    /// <summary>
    /// Just the rooms list (<c>_RoomList</c>), which the page polls every 2 s: the asker's own counts, so never stored
    /// by any cache (<c>no-store</c>) and varying by the sign-in cookie (RFC 9111 §5.2.2.5, RFC 9110 §12.5.5).
    /// </summary>
    public async Task<IActionResult> OnGetListAsync()
    {
        Rooms = await LoadRoomsAsync();
        Response.Headers.CacheControl = "no-store";
        Response.Headers.Vary = "Cookie";
        return Partial("_RoomList", this);
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (User.Identity?.IsAuthenticated != true) return Challenge();

        var cleaned = UserText.Clean(Input.Name, UserTextShape.Line);
        var name = cleaned.Text;
        var ownerId = User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)!.Value;
        var key = UserText.Key(name);
        if (cleaned.Problem == UserTextProblem.Blank)
        {
            ModelState.AddModelError("Input.Name", t["Give the room a name."]);
        }
        else if (!cleaned.IsValid)
        {
            ModelState.AddModelError("Input.Name", WebApp.Pages.Rooms.RoomModel.Unreadable(roomsText, cleaned));
        }
        else if (name.Length > Room.NameMaxLength)
        {
            ModelState.AddModelError("Input.Name", t["Room names can be at most {0} characters ({1} given).", Room.NameMaxLength, name.Length]);
        }
        else if (await db.Rooms.AnyAsync(r => r.CreatedById == ownerId && r.NormalizedName == key))
        {
            ModelState.AddModelError("Input.Name", DuplicateName(name));
        }
        if (!ModelState.IsValid)
        {
            logger.LogInformation("Room not created for user {UserId}: {Reason}", ownerId, ModelState["Input.Name"]!.Errors[0].ErrorMessage);
            return await InvalidAsync();
        }

        var room = new Room
        {
            Name = name,
            NormalizedName = key,
            Slug = await FreeSlugAsync(Room.SlugFrom(name)),
            IsPrivate = Input.IsPrivate,
            CreatedById = ownerId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Rooms.Add(room);
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            // The same slug, or this owner's same name, was taken a moment ago: ask for another try rather than guessing.
            var sameName = await db.Rooms.AnyAsync(r => r.CreatedById == ownerId && r.NormalizedName == key);
            ModelState.AddModelError("Input.Name", sameName ? DuplicateName(name) : t["A room with a similar name was just created; please try again."]);
            logger.LogInformation("Room not created for user {UserId}: {Reason}", ownerId, ModelState["Input.Name"]!.Errors[0].ErrorMessage);
            return await InvalidAsync();
        }

        var roomUrl = Url.Page("/Rooms/Room", new { slug = room.Slug })!;
        if (Request.IsHtmx())
        {
            Response.Headers["HX-Redirect"] = roomUrl;
            return new NoContentResult();
        }
        return LocalRedirect(roomUrl);
    }

    private string DuplicateName(string name) => t["You already have a room called {0}.", UserText.Isolate(name)];

    public int PeopleOnlineIn(RoomSummary room) => _online.GetValueOrDefault(room.Id);

    /// <summary>What the signed-in person has not read in the room; null when signed out (the list then shows no counts).</summary>
    public UnreadCount? UnreadIn(RoomSummary room) => _unread?.GetValueOrDefault(room.Id);

    /// <summary>The badge's words, read out as they are shown: "3 unread", "3 unread, 1 mention" (one sentence per plural form).</summary>
    public string BadgeText(UnreadCount counts) =>
        counts.Mentions == 0 ? t["{0} unread", counts.Messages]
            : t.Plural(counts.Mentions, "{0} unread, {1} mention", "{0} unread, {1} mentions", counts.Messages, counts.Mentions);

    /// <summary>htmx gets just the form back, with its errors; without JavaScript the whole page is shown again.</summary>
    private async Task<IActionResult> InvalidAsync()
    {
        Response.Headers.Vary = Htmx.RequestHeader;
        if (Request.IsHtmx())
        {
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Partial("_CreateRoomForm", this);
        }
        Rooms = await LoadRoomsAsync();
        return Page();
    }

    /// <summary>
    /// Public rooms, and the private rooms this person owns or was added to, with who is online in each and, for a
    /// signed-in person, what they have not read there: a fixed number of queries however many rooms are listed.
    /// </summary>
    private async Task<List<RoomSummary>> LoadRoomsAsync()
    {
        var userId = User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
        var visible = db.Rooms.AsNoTracking()
            .Where(r => !r.IsPrivate || r.CreatedById == userId || r.Members.Any(m => m.UserId == userId));
        var rooms = await visible
            .OrderByDescending(r => r.LastMessageAt ?? r.CreatedAt)
            .Select(r => new RoomSummary(r.Id, r.Slug, r.Name, r.IsPrivate, r.Messages.Count(m => m.DeletedAt == null), r.LastMessageAt))
            .ToListAsync();
        _online = await presence.OnlineCountsAsync([.. rooms.Select(r => r.Id)]);
        if (userId is not null) _unread = await RoomUnreadCounts.ForAsync(db, userId, visible, HttpContext.RequestAborted);
        return rooms;
    }

    private async Task<string> FreeSlugAsync(string baseSlug)
    {
        var taken = (await db.Rooms
            .Where(r => r.Slug == baseSlug || r.Slug.StartsWith(baseSlug + "-"))
            .Select(r => r.Slug)
            .ToListAsync()).ToHashSet();
        if (!taken.Contains(baseSlug)) return baseSlug;
        for (var n = 2; ; n++)
        {
            var candidate = $"{baseSlug}-{n}";
            if (!taken.Contains(candidate)) return candidate;
        }
    }
}
