using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using WebApp.Auth;
using WebApp.Chat;
using WebApp.Data;

namespace WebApp.Pages.Rooms;

/// <remarks>
/// Identity's user and sign-in managers come only to the handlers that use them ([FromServices]): built for every page
/// view with their meters, they were a tenth of its cost.
/// </remarks>
[Authorize]
public sealed class RoomModel(
    AppDbContext db,
    SocketTokens tokens,
    RoomDirectory directory,
    RoomHistoryCache histories,
    IPresenceStore presence,
    IRevocationBus revocations,
    TimeProvider clock,
    IOptions<ChatOptions> chatOptions,
    IStringLocalizer<RoomsText> t,
    ILogger<RoomModel> logger) : PageModel
{
    public sealed record MemberView(string UserId, string DisplayName);

    public sealed class InviteInput
    {
        public string? NameOrEmail { get; set; }
    }

    public RoomInfo Room { get; private set; } = null!;
    public IReadOnlyList<ChatMessage> History { get; private set; } = [];

    /// <summary>Set when the page shows an older stretch of history (no live connection) instead of the latest.</summary>
    public long? Before { get; private set; }
    public bool HasOlder { get; private set; }
    public IReadOnlyList<string> Online { get; private set; } = [];
    public IReadOnlyList<MemberView> Members { get; private set; } = [];
    public string OwnerName { get; private set; } = "";
    public bool IsOwner => Room.OwnerId == CurrentUserId;
    public string CurrentUserId => User.FindFirstValue(ClaimTypes.NameIdentifier)!;

    /// <summary>The longest message (<see cref="ChatOptions.MaxMessageChars"/>), for the composer's counter.</summary>
    public int MaxMessageChars => chatOptions.Value.MaxMessageChars;

    /// <summary>The socket's message budget (<see cref="MessageRateLimit"/>), so the page paces what it sends and keeps the order.</summary>
    public MessageRateLimit RateLimit => chatOptions.Value.RateLimit;

    /// <summary>
    /// The room's last event number (<see cref="Data.Room.LastSeq"/>), read before the history: the page resumes its
    /// socket after it (<c>?after=</c>), so an event that lands between the two reads is sent again rather than lost.
    /// </summary>
    public long EventSeq { get; private set; }

    /// <summary>The highest event number this person's pages reported shown in the room (<see cref="RoomRead"/>); 0 if none.</summary>
    public long LastReadSeq { get; private set; }

    /// <summary>
    /// Index in <see cref="History"/> of the first unread message: posted after <see cref="LastReadSeq"/>, by someone
    /// else, not deleted. Null when there is none, and on older stretches of history (the divider belongs to the live page).
    /// </summary>
    public int? FirstUnreadIndex { get; private set; }

    /// <summary>
    /// The latest history as this reader sees it, from the rendering shared by all readers in their time zone
    /// (<see cref="RoomHistoryCache"/>); null on older stretches, which <c>_Messages</c> renders per request.
    /// </summary>
    public RoomHistory? LatestHistory { get; private set; }

    [BindProperty]
    public InviteInput Invite { get; set; } = new();

    /// <summary>The room with its latest messages, or with the ones before <paramref name="before"/> (the no-JavaScript "load older").</summary>
    public async Task<IActionResult> OnGetAsync(string slug, long? before)
    {
        if (!await LoadRoomAsync(slug)) return NotFound();

        Before = before;
        (EventSeq, LastReadSeq) = await EventAndReadSeqs(db, Room.Id, CurrentUserId);
        if (before is null)
        {
            // Keyed by the event number just read, so what is served is never older than it (RoomHistoryCache).
            var latest = await histories.LatestAsync(Room.Id, EventSeq, LocalTimeTagHelper.ReaderZone(HttpContext), CultureInfo.CurrentUICulture);
            (History, HasOlder) = (latest.Messages, latest.HasOlder);
            FirstUnreadIndex = FirstUnread(History, LastReadSeq, CurrentUserId);
            LatestHistory = new RoomHistory(latest, CurrentUserId, FirstUnreadIndex, await histories.DividerAsync(CultureInfo.CurrentUICulture));
        }
        else
        {
            await LoadHistoryAsync(before);
        }
        if (Room.IsPrivate) await LoadMembersAsync();
        var online = await presence.OnlineNamesAsync(Room.Id);
        var myName = User.DisplayName();
        // The page is about to connect, so its reader counts as online already.
        Online = online.Contains(myName) || before is not null ? online : [.. online.Append(myName).Order(StringComparer.CurrentCultureIgnoreCase)];
        return Page();
    }

    /// <summary>"Load older" with htmx: the previous stretch of messages and, if there is more, the next link.</summary>
    public async Task<IActionResult> OnGetOlderAsync(string slug, long before)
    {
        if (!await LoadRoomAsync(slug)) return NotFound();
        await LoadHistoryAsync(before);
        Response.Headers.Vary = Htmx.RequestHeader;
        return Partial("_OlderMessages", this);
    }

    /// <summary>Compiled once: every page view runs it, and EF Core's per-call query preparation showed in the profile.</summary>
    private static readonly Func<AppDbContext, int, long, int, IAsyncEnumerable<ChatMessage>> NewestMessagesBefore =
        EF.CompileAsyncQuery((AppDbContext db, int roomId, long before, int count) => db.Messages.AsNoTracking().Include(m => m.Mentions)
            .Where(m => m.RoomId == roomId && m.Seq < before)
            .OrderByDescending(m => m.Seq)
            .Take(count));

    private static int? FirstUnread(IReadOnlyList<ChatMessage> history, long lastReadSeq, string me)
    {
        for (var i = 0; i < history.Count; i++)
        {
            // Your own messages and deleted placeholders are never "new" to you (as in the rooms list's count).
            if (history[i].Seq > lastReadSeq && history[i].AuthorId != me && !history[i].IsDeleted) return i;
        }
        return null;
    }

    /// <summary>The room's last event number and this person's read marker in it (0 without one), in one round trip.</summary>
    private static readonly Func<AppDbContext, int, string, Task<EventAndRead?>> EventAndReadSeqsQuery =
        EF.CompileAsyncQuery((AppDbContext db, int roomId, string userId) => db.Rooms.AsNoTracking()
            .Where(r => r.Id == roomId)
            .Select(r => new EventAndRead(
                r.LastSeq,
                db.RoomReads.Where(read => read.RoomId == roomId && read.UserId == userId).Select(read => read.LastReadSeq).FirstOrDefault()))
            .FirstOrDefault());

    private sealed record EventAndRead(long EventSeq, long LastReadSeq);

    private static async Task<(long EventSeq, long LastReadSeq)> EventAndReadSeqs(AppDbContext db, int roomId, string userId) =>
        await EventAndReadSeqsQuery(db, roomId, userId) is { } seqs ? (seqs.EventSeq, seqs.LastReadSeq) : (0, 0);

    private async Task LoadHistoryAsync(long? before)
    {
        var size = chatOptions.Value.HistorySize;
        var newestFirst = await NewestMessagesBefore(db, Room.Id, before ?? long.MaxValue, size + 1).ToListAsync();
        HasOlder = newestFirst.Count > size;
        History = newestFirst.Take(size).Reverse().ToList();
    }

    /// <summary>
    /// Mints a short-lived token for this room's socket. The page calls it before every connect and refresh, so
    /// the token lives only in memory for a moment and never in storage.
    /// </summary>
    public async Task<IActionResult> OnPostSocketTokenAsync(
        string slug, [FromServices] SignInManager<AppUser> signIn, [FromServices] UserManager<AppUser> users)
    {
        if (await EnterableRoomAsync(slug) is null) return NotFound(new { error = "unknown room" });

        // The cookie alone is not enough: its security stamp must still be current ("sign out everywhere",
        // a password change) and the account not locked, or no new socket authorization is handed out.
        var user = await signIn.ValidateSecurityStampAsync(User);
        if (user is null || await users.IsLockedOutAsync(user)) return Unauthorized();

        var sessionId = User.FindFirstValue(AppSignInManager.SessionClaim) ?? "";
        var (token, expiresAt) = tokens.Issue(user.Id, user.EffectiveDisplayName, slug, sessionId, user.SecurityStamp ?? "");
        Response.Headers.CacheControl = "no-store";
        return new JsonResult(new { token, expiresAt = expiresAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") });
    }

    public async Task<IActionResult> OnPostInviteAsync(string slug, [FromServices] UserManager<AppUser> users)
    {
        if (!await LoadRoomAsync(slug)) return NotFound();
        if (!Room.IsPrivate || !IsOwner) return Forbid();

        var (invitee, problem) = await FindPersonAsync(users, Invite.NameOrEmail);
        if (invitee is not null)
        {
            var alreadyIn = invitee.Id == Room.OwnerId
                || await db.RoomMembers.AnyAsync(m => m.RoomId == Room.Id && m.UserId == invitee.Id);
            if (alreadyIn)
            {
                problem = t["{0} is already in this room.", UserText.Isolate(invitee.EffectiveDisplayName)];
            }
            else
            {
                db.RoomMembers.Add(new RoomMember { RoomId = Room.Id, UserId = invitee.Id, AddedAt = clock.GetUtcNow().UtcDateTime });
                await db.SaveChangesAsync();
                await revocations.RevokeAsync(RevocationSignal.InvitedToRoom(Room.Id, invitee.Id));
                Invite = new();
            }
        }
        if (problem is not null)
        {
            // The log reads in English whatever the inviter's language (the key, placeholders unfilled: no names logged).
            logger.LogInformation("Invite to room {Room} refused: {Reason}", Room.Slug, problem.Name);
            ModelState.AddModelError("Invite.NameOrEmail", problem.Value);
        }
        return await MembersPanelAsync();
    }

    public async Task<IActionResult> OnPostRemoveAsync(string slug, string userId)
    {
        if (!await LoadRoomAsync(slug)) return NotFound();
        if (!Room.IsPrivate || !IsOwner) return Forbid();

        await db.RoomMembers.Where(m => m.RoomId == Room.Id && m.UserId == userId).ExecuteDeleteAsync();
        // Whatever tokens they still hold, their sockets in this room end now, with "do not retry".
        await revocations.RevokeAsync(RevocationSignal.RemovedFromRoom(Room.Id, userId));
        return await MembersPanelAsync();
    }

    /// <summary>
    /// The private room's people count (owner included) as <c>_MemberCount</c> words, polled by the room page; 404 like
    /// the page for anyone who may not enter and for public rooms. Never stored by a cache: it changes as people are added.
    /// </summary>
    public async Task<IActionResult> OnGetMemberCountAsync(string slug)
    {
        if (!await LoadRoomAsync(slug) || !Room.IsPrivate) return NotFound();
        Response.Headers.CacheControl = "no-store";
        return Partial("_MemberCount", await db.RoomMembers.CountAsync(m => m.RoomId == Room.Id) + 1);
    }

    /// <summary>
    /// Loads the room if it exists and this user may see it; a private room is "not found" to outsiders. Who may
    /// enter is the socket's own rule (RoomDirectory), so page, token handler and socket always agree.
    /// </summary>
    private async Task<bool> LoadRoomAsync(string slug)
    {
        if (await EnterableRoomAsync(slug) is not { } info) return false;
        Room = info;
        return true;
    }

    private async Task<RoomInfo?> EnterableRoomAsync(string slug)
    {
        var info = await directory.FindAsync(slug, HttpContext.RequestAborted);
        return info is not null && await directory.MayEnterAsync(info, CurrentUserId, HttpContext.RequestAborted) ? info : null;
    }

    private async Task LoadMembersAsync()
    {
        var people = await db.RoomMembers.AsNoTracking()
            .Where(m => m.RoomId == Room.Id)
            .OrderBy(m => m.AddedAt)
            .Select(m => new { m.UserId, m.User!.DisplayName, m.User.Email })
            .ToListAsync();
        Members = people.Select(p => new MemberView(p.UserId, AppUser.NameFor(p.DisplayName, p.Email))).ToList();
        var owner = await db.Users.AsNoTracking().Where(u => u.Id == Room.OwnerId).Select(u => new { u.DisplayName, u.Email }).FirstAsync();
        OwnerName = AppUser.NameFor(owner.DisplayName, owner.Email);
    }

    /// <summary>htmx swaps just the members panel; without JavaScript the room page is loaded again.</summary>
    private async Task<IActionResult> MembersPanelAsync()
    {
        if (!Request.IsHtmx()) return ModelState.IsValid ? RedirectToPage(new { slug = Room.Slug }) : await OnGetAsync(Room.Slug, null);
        await LoadMembersAsync();
        Response.Headers.Vary = Htmx.RequestHeader;
        if (!ModelState.IsValid) Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Partial("_Members", this);
    }

    /// <summary>
    /// An email, or else a display name (set, or derived from the email) that names one person; both compared by
    /// <see cref="UserText.Key"/>, so case, composed or decomposed accents and full-width forms do not matter.
    /// </summary>
    private async Task<(AppUser? Person, LocalizedString? Problem)> FindPersonAsync(UserManager<AppUser> users, string? wanted)
    {
        var cleaned = UserText.Clean(wanted, UserTextShape.Line);
        if (cleaned.Problem == UserTextProblem.Blank) return (null, t["Enter a display name or an email."]);
        if (!cleaned.IsValid) return (null, Unreadable(t, cleaned));
        var nameOrEmail = cleaned.Text;
        var key = UserText.Key(nameOrEmail);
        // Decided on the key, so a full-width "＠" (U+FF20) also means an email.
        if (key.Contains('@'))
        {
            // The user manager's NormalizeEmail is UserText.Key (AppUserManager).
            var byEmail = await users.FindByEmailAsync(nameOrEmail);
            return byEmail is null ? (null, t["Nobody has the email {0}.", UserText.Isolate(nameOrEmail)]) : (byEmail, null);
        }

        var matches = await db.Users.Where(u => u.NormalizedDisplayName == key).OrderBy(u => u.Id).Take(2).ToListAsync();
        return matches.Count switch
        {
            0 => (null, t["Nobody is called {0}.", UserText.Isolate(nameOrEmail)]),
            1 => (matches[0], null),
            _ => (null, t["More than one person is called {0}; use their email instead.", UserText.Isolate(nameOrEmail)]),
        };
    }

    /// <summary>Why one line of text (a name, a search) was refused, in the reader's language (<see cref="CleanedText.Reason"/> is English).</summary>
    public static LocalizedString Unreadable(IStringLocalizer<RoomsText> t, CleanedText cleaned) => cleaned.Problem switch
    {
        UserTextProblem.ControlCharacter when cleaned.Offender is '\n' or '\r' or '\t' or 0x85 or 0x2028 or 0x2029 =>
            t["This must be one line: line breaks and tabs are not allowed."],
        UserTextProblem.ControlCharacter => t["Control characters are not allowed (U+{0} found).", $"{cleaned.Offender:X4}"],
        UserTextProblem.LoneSurrogate => t["The text holds half a character (U+{0}).", $"{cleaned.Offender:X4}"],
        _ => t["Nothing in this text would show."],
    };

    /// <summary>
    /// Every text chat.js shows, by the name chat.js looks it up with, in the reader's language: the JSON object of the
    /// room page's <c>#chat-text</c> data block. Placeholders (<c>{0}</c>, <c>{1}</c>) are filled in by the script.
    /// Made once per UI culture (the texts are compiled in) and kept: every room page view writes it.
    /// </summary>
    public static string ScriptTexts(IStringLocalizer<RoomsText> t) =>
        ScriptTextsByCulture.GetOrAdd(CultureInfo.CurrentUICulture.Name, static (_, t) => System.Text.Json.JsonSerializer.Serialize(
            ScriptTextKeys.ToDictionary(entry => entry.Key, entry => t[entry.Value].Value)), t);

    /// <summary><see cref="ScriptTexts"/> by UI culture name; the site speaks three (SiteCultures), so it stays small.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> ScriptTextsByCulture = new();

    /// <summary>chat.js's name for each text, and its key in <see cref="RoomsText"/>.</summary>
    public static readonly IReadOnlyDictionary<string, string> ScriptTextKeys = new Dictionary<string, string>
    {
        ["connecting"] = "Connecting…",
        ["live"] = "Live",
        ["reconnecting"] = "Reconnecting…",
        ["offline"] = "Offline",
        ["denied"] = "No access",
        ["noAccess"] = "You no longer have access to this room.",
        ["sending"] = "Sending…",
        ["sendingRate"] = "Sending… (waiting for the rate limit)",
        ["notSent"] = "Not sent: {0}",
        ["sendAgain"] = "Send again",
        ["edit"] = "Edit",
        ["delete"] = "Delete",
        ["tooLong"] = "Messages can be at most {0} characters; this one has {1}. Shorten it or split it in two.",
        ["charsOver"] = "{0} characters over the limit of {1}",
        ["charsLeft"] = "{0} characters left",
        ["mentioned"] = "{0} mentioned you in {1}",
        ["messageActions"] = "Message actions",
        ["editMessage"] = "Edit message",
        ["editHint"] = "Enter to save · Shift+Enter for a new line · Escape to cancel",
        ["save"] = "Save",
        ["cancel"] = "Cancel",
        ["editOffline"] = "Not connected: your edit is kept here; save it again when the badge says Live.",
        ["deleteOffline"] = "Not connected: the message was not deleted; try again when the badge says Live.",
        ["someone"] = "Someone",
        ["typingOne"] = "{0} is typing…",
        ["typingTwo"] = "{0} and {1} are typing…",
        ["typingSeveral"] = "Several people are typing…",
    };
}
