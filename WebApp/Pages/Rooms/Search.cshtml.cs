using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Localization;
using WebApp.Chat;
using WebApp.Data;

namespace WebApp.Pages.Rooms;

/// <summary>
/// <c>GET /rooms/{slug}/search?q=&amp;page=</c>: a room's messages containing every word of <c>q</c>, best first,
/// <see cref="PageSize"/> a page (<see cref="MessageSearch"/>). Who may search is who may enter (RoomDirectory): anyone
/// else gets 404, as for the room page. Empty <c>q</c> shows the form only; a query or page number that cannot be
/// searched gets 400 with the reason on the page; more searches than <c>Search:RateLimit</c> allows get 429 with
/// <c>Retry-After</c> (<see cref="SearchRateLimit"/>).
/// </summary>
[Authorize]
[EnableRateLimiting(SearchRateLimit.Policy)]
public sealed class SearchModel(AppDbContext db, RoomDirectory directory, IStringLocalizer<RoomsText> t, ILogger<SearchModel> logger) : PageModel
{
    public const int PageSize = 20;

    /// <summary>The last page anyone can ask for: a deeper OFFSET only costs the database more.</summary>
    public const int MaxPage = 500;

    public RoomInfo Room { get; private set; } = null!;

    /// <summary>The query as typed (shown back in the form), or null.</summary>
    public string? Q { get; private set; }
    public SearchQuery Query { get; private set; } = SearchQuery.Parse(null);
    public int PageNumber { get; private set; } = 1;
    public SearchResults? Results { get; private set; }

    /// <summary>Why nothing was searched, for the person searching; null when the search ran or there was nothing to search.</summary>
    public string? Problem { get; private set; }

    // "page" is read from the query only: as a route value it is the Razor Page's own name.
    public async Task<IActionResult> OnGetAsync(string slug, [FromQuery] string? q, [FromQuery(Name = "page")] string? page)
    {
        var room = await directory.FindAsync(slug, HttpContext.RequestAborted);
        if (room is null || !await directory.MayEnterAsync(room, User.FindFirstValue(ClaimTypes.NameIdentifier)!, HttpContext.RequestAborted))
        {
            logger.LogInformation("Search refused with 404: room {Room} is unknown or not open to this person", slug);
            return NotFound();
        }
        Room = room;
        Q = q;
        Query = SearchQuery.Parse(q);
        if (Query.Problem == SearchQueryProblem.Blank) return Page();
        if (!Query.IsValid) return Refuse(Query.Problem switch
        {
            SearchQueryProblem.TooLong => t["Search for at most {0} characters (this was {1}).", SearchQuery.MaxChars, q!.Length],
            SearchQueryProblem.TooManyTerms => t["Search for at most {0} words (this was {1}).", SearchQuery.MaxTerms,
                UserText.Clean(q, UserTextShape.Line).Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                    .Where(UserText.IsVisible).Distinct(StringComparer.OrdinalIgnoreCase).Count()],
            _ => RoomModel.Unreadable(t, UserText.Clean(q, UserTextShape.Line)),
        });
        if (page is not null)
        {
            if (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > MaxPage)
                return Refuse(t["The page number must be a whole number from 1 to {0}.", MaxPage]);
            PageNumber = number;
        }
        Results = await MessageSearch.FindAsync(db, Room.Id, Query, PageNumber, PageSize, HttpContext.RequestAborted);
        return Page();
    }

    /// <summary>This results page with another page number, the query kept.</summary>
    public string PageLink(int page) => $"/rooms/{Uri.EscapeDataString(Room.Slug)}/search?q={Uri.EscapeDataString(Q ?? "")}&page={page}";

    /// <summary>The message in its place: the room's history ending with it (the archive view, <c>?before=</c>).</summary>
    public string ContextLink(SearchHit hit) => $"/rooms/{Uri.EscapeDataString(Room.Slug)}?before={hit.Seq + 1}#m-{hit.Id}";

    private PageResult Refuse(LocalizedString reason)
    {
        // The reason (its English key), not the query: what people search for is theirs.
        logger.LogInformation("Search in room {Room} refused with 400: {Reason}", Room.Slug, reason.Name);
        Problem = reason;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
