using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using WebApp.Auth;
using WebApp.Chat;
using WebApp.Data;

namespace WebApp.Pages.Rooms;

/// <summary>
/// The room page's latest history (<see cref="ChatOptions.HistorySize"/> messages), read and rendered once per room
/// state, reader time zone and language, and shared by every reader of that zone and language: the rendering of 50 messages and their query
/// were most of a page view's cost. Each reader's own parts (their messages marked <c>mine</c>, the unread divider)
/// are applied per request by <see cref="RoomHistory"/>.
/// </summary>
/// <remarks>
/// <para>
/// Entries are keyed by the room's event number (<see cref="Room.LastSeq"/>), which every posting, edit and deletion
/// moves in the transaction that stores it, on whichever instance. The page reads that number from the database before
/// asking, so a changed room is a new key everywhere at once: nothing has to be told to invalidate, and an entry
/// filled after a later event is only ever newer than its key (the socket resumes after the key, as without the cache).
/// The room's own event number is the natural owner of "what changed", which is why this is not invalidated through the
/// event bus; the bus is best effort, the database is not.
/// </para>
/// <para>
/// What changes history without a room event, an author's new display name (written into their messages) or a deleted
/// account (its mentions go), comes as the revocation signal every instance hears (<see cref="Revocations"/>): every
/// entry is dropped, and one being filled meanwhile is dropped on arrival. Other instances hear it as best effort, like
/// the rename frame their open pages get.
/// </para>
/// </remarks>
public sealed class RoomHistoryCache(
    IDbContextFactory<AppDbContext> dbFactory,
    RazorPartialRenderer renderer,
    TimeProvider clock,
    IOptions<ChatOptions> options) : IRevocationListener, IDisposable
{
    /// <summary>Bounded by entries, each about 60 KB for 50 messages; old states of a room are evicted, or expire unused.</summary>
    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = options.Value.PageCacheEntries });

    private CancellationTokenSource _authors = new();

    private static readonly TimeSpan Unused = TimeSpan.FromMinutes(10);

    /// <summary>The unread divider's markup per culture name: it has words in it.</summary>
    private readonly ConcurrentDictionary<string, string> _dividers = new(StringComparer.Ordinal);

    /// <summary>
    /// The room's latest history as it stands at event <paramref name="eventSeq"/> or later, rendered for a reader in
    /// <paramref name="zone"/> (null: no zone cookie, times in UTC) who reads <paramref name="culture"/> (its words,
    /// "Message deleted", "(edited)", and its dates).
    /// </summary>
    public async Task<SharedHistory> LatestAsync(int roomId, long eventSeq, TimeZoneInfo? zone, CultureInfo culture)
    {
        // The day matters too: a time from today shows as "HH:mm", from another day with its date. So does the
        // language: a Japanese reader must never be served what was rendered for an English one.
        var today = Today(zone);
        var key = (roomId, eventSeq, zone?.Id, today, culture.Name);
        if (_entries.TryGetValue(key, out Task<SharedHistory>? known) && known is not null)
        {
            // A failed fill is not kept: the next reader tries again.
            if (!known.IsFaulted && !known.IsCanceled) return await known;
            _entries.Remove(key);
        }

        // Taken before reading: a rename that lands while this fills cancels it, and the entry goes on arrival.
        var authors = new CancellationChangeToken(Volatile.Read(ref _authors).Token);
        var fill = FillAsync(roomId, zone, culture);
        using (var entry = _entries.CreateEntry(key))
        {
            entry.Size = 1;
            entry.SlidingExpiration = Unused;
            entry.AddExpirationToken(authors);
            entry.Value = fill;
        }
        var history = await fill;
        // Rendered across midnight: today's times may read as yesterday's; serve it, but do not keep it.
        if (Today(zone) != today) _entries.Remove(key);
        return history;
    }

    /// <summary>A renamed author or a deleted account: no history rendered so far may be served again.</summary>
    public void OnRevoked(RevocationSignal signal)
    {
        if (signal is { Kind: RevocationKind.UserChanged, DisplayName: not null } or { Kind: RevocationKind.UserDeleted }) ForgetAuthors();
    }

    private void ForgetAuthors()
    {
        // Not disposed: a fill that took its token before the swap still registers on it, and must see it cancelled.
        Interlocked.Exchange(ref _authors, new CancellationTokenSource()).Cancel();
    }

    /// <summary>The unread divider's markup in <paramref name="culture"/>, from the same partial <c>_Messages</c> renders it with.</summary>
    public async ValueTask<string> DividerAsync(CultureInfo culture) =>
        _dividers.TryGetValue(culture.Name, out var known) ? known
            : _dividers[culture.Name] = await renderer.RenderAsync(RazorPartialRenderer.UnreadDividerPartial, (object?)null, culture: culture);

    public void Dispose()
    {
        _entries.Dispose();
        _authors.Dispose();
    }

    private DateTime Today(TimeZoneInfo? zone) => TimeZoneInfo.ConvertTimeFromUtc(clock.GetUtcNow().UtcDateTime, zone ?? TimeZoneInfo.Utc).Date;

    /// <summary>Compiled once: every cache miss runs it.</summary>
    private static readonly Func<AppDbContext, int, int, IAsyncEnumerable<ChatMessage>> NewestMessages =
        EF.CompileAsyncQuery((AppDbContext db, int roomId, int count) => db.Messages.AsNoTracking().Include(m => m.Mentions)
            .Where(m => m.RoomId == roomId)
            .OrderByDescending(m => m.Seq)
            .Take(count));

    private async Task<SharedHistory> FillAsync(int roomId, TimeZoneInfo? zone, CultureInfo culture)
    {
        var size = options.Value.HistorySize;
        List<ChatMessage> newestFirst;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            newestFirst = await NewestMessages(db, roomId, size + 1).ToListAsync();
        }
        var messages = newestFirst.Take(size).Reverse().ToList();
        // Rendered outside any request: no reader, so nothing is marked "mine" and there is no divider (RoomHistory adds them).
        var html = await renderer.RenderAsync(RazorPartialRenderer.MessagesPartial, messages,
            [new(RoomFrames.HistoryKey, true)], request => LocalTimeTagHelper.SetReaderZone(request, zone), culture);
        return SharedHistory.Locate(messages, newestFirst.Count > size, html);
    }
}

/// <summary>
/// One rendering of a room's latest history, the same for every reader in one time zone on one day: the messages (oldest
/// first), whether older ones exist, the <c>_Messages</c> markup with nobody's messages marked and no unread divider, and
/// where in that markup each message's <c>&lt;article&gt;</c> and class attribute are, so a reader's own parts can be
/// written in between.
/// </summary>
public sealed class SharedHistory
{
    /// <summary>What <c>_Messages</c> writes when a message continues its author's group; always its last class.</summary>
    private const string Continued = " continued";

    private SharedHistory(IReadOnlyList<ChatMessage> messages, bool hasOlder, string html, int[] articleAt, int[] mineAt, int[] classEnd)
    {
        Messages = messages;
        HasOlder = hasOlder;
        Html = html;
        ArticleAt = articleAt;
        MineAt = mineAt;
        ClassEnd = classEnd;
    }

    public IReadOnlyList<ChatMessage> Messages { get; }

    public bool HasOlder { get; }

    internal string Html { get; }

    /// <summary>Where message i's <c>&lt;article</c> starts (the unread divider goes just before it).</summary>
    internal int[] ArticleAt { get; }

    /// <summary>Where <c> mine</c> goes in message i's class attribute: after "message" and " deleted", before " continued".</summary>
    internal int[] MineAt { get; }

    /// <summary>The end of message i's class value (its closing quote).</summary>
    internal int[] ClassEnd { get; }

    internal bool IsContinued(int i) => ClassEnd[i] - MineAt[i] == Continued.Length;

    /// <summary>Finds each message's article in <paramref name="html"/>; throws if <c>_Messages</c> no longer writes them as expected.</summary>
    internal static SharedHistory Locate(IReadOnlyList<ChatMessage> messages, bool hasOlder, string html)
    {
        var articleAt = new int[messages.Count];
        var mineAt = new int[messages.Count];
        var classEnd = new int[messages.Count];
        var from = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            // User text is HTML-encoded, so "<article" only ever comes from the partial itself.
            var opening = $"<article id=\"m-{messages[i].Id}\" class=\"";
            var at = html.IndexOf(opening, from, StringComparison.Ordinal);
            if (at < 0) throw new InvalidOperationException($"_Messages no longer starts message {messages[i].Id} with {opening}.");
            var valueAt = at + opening.Length;
            var end = html.IndexOf('"', valueAt);
            articleAt[i] = at;
            classEnd[i] = end;
            mineAt[i] = html.AsSpan(valueAt, end - valueAt).EndsWith(Continued, StringComparison.Ordinal) ? end - Continued.Length : end;
            from = end;
        }
        return new(messages, hasOlder, html, articleAt, mineAt, classEnd);
    }
}

/// <summary>
/// A <see cref="SharedHistory"/> as one reader sees it, exactly what <c>_Messages</c> renders in a request for them:
/// their own messages get <c>mine</c>, and the unread divider goes before <paramref name="unreadIndex"/>'s message,
/// which then starts a new group (no <c>continued</c>), as chat.js's arrangeHistory has it.
/// </summary>
public sealed class RoomHistory(SharedHistory shared, string? viewerId, int? unreadIndex, string divider) : IHtmlContent
{
    public void WriteTo(TextWriter writer, HtmlEncoder encoder)
    {
        var html = shared.Html;
        var at = 0;
        for (var i = 0; i < shared.Messages.Count; i++)
        {
            var unread = i == unreadIndex;
            var mine = viewerId is not null && shared.Messages[i].AuthorId == viewerId;
            if (!unread && !mine) continue;
            if (unread)
            {
                writer.Write(html.AsSpan(at, shared.ArticleAt[i] - at));
                writer.Write(divider);
                at = shared.ArticleAt[i];
            }
            writer.Write(html.AsSpan(at, shared.MineAt[i] - at));
            if (mine) writer.Write(" mine");
            at = shared.MineAt[i];
            // The divider starts a new group.
            if (unread && shared.IsContinued(i)) at = shared.ClassEnd[i];
        }
        writer.Write(html.AsSpan(at));
    }
}

public static class RoomHistoryCacheExtensions
{
    /// <summary>The room page's shared history renderings, told of renames and deleted accounts.</summary>
    public static IServiceCollection AddRoomHistoryCache(this IServiceCollection services)
    {
        services.AddSingleton<RoomHistoryCache>();
        services.AddSingleton<IRevocationListener>(sp => sp.GetRequiredService<RoomHistoryCache>());
        return services;
    }
}
