using System.Globalization;
using Microsoft.Extensions.Localization;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>
/// What each frame a room sends looks like, every one rendered by the room page's own Razor partials (none built
/// from C# strings), so what arrives over the socket is exactly what the page renders. Each is rendered once and the
/// same bytes go to every socket of one language: a frame with words in it is a <see cref="LocalizedFrame"/>, rendered
/// once per culture present in the room, never per person; anything that differs per person is applied in the page
/// from data attributes.
/// </summary>
public sealed class RoomFrames(RazorPartialRenderer renderer, IStringLocalizer<ChatText> text)
{
    /// <summary>ViewData key of <c>_Messages</c>: the number of the change being sent, which makes it an out-of-band swap.</summary>
    public const string EventSeqKey = "EventSeq";

    /// <summary>ViewData key of <c>_Messages</c>: true when it renders a stretch of the page's history (day headings, grouping).</summary>
    public const string HistoryKey = "History";

    /// <summary>ViewData key of <c>_Messages</c>: the id of the first message the reader has not seen (the unread divider goes before it).</summary>
    public const string UnreadBeforeKey = "UnreadBefore";

    /// <summary>
    /// Consecutive messages of one author on one day closer together than this are grouped (shown without repeating
    /// the author). chat.js's arrangeHistory uses the same window for what arrives live.
    /// </summary>
    public static readonly TimeSpan GroupingWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A stored event: a posting is the message's <c>&lt;article id="m-{id}" data-seq&gt;</c>, appended; an edit or
    /// deletion is the same article as it stands now with <c>data-event-seq</c> and <c>hx-swap-oob="true"</c>.
    /// </summary>
    public Task<byte[]> EventAsync(RoomEvent stored, CultureInfo culture) => stored.Kind == RoomEventKind.Posted
        ? renderer.RenderFrameAsync(RazorPartialRenderer.MessagesPartial, new[] { stored.Message }, culture: culture)
        : renderer.RenderFrameAsync(RazorPartialRenderer.MessagesPartial, new[] { stored.Message }, [new(EventSeqKey, stored.Seq)], culture);

    /// <summary><see cref="EventAsync"/> for the whole room: rendered in each culture when first asked for it.</summary>
    public LocalizedFrame Event(RoomEvent stored) => LocalizedFrame.Of(culture => EventAsync(stored, culture));

    /// <summary>
    /// Who is online, the whole list (for a socket that joins; the page's own render is the same partial):
    /// <c>&lt;div id="presence" hx-swap-oob="true"&gt;</c> holding <c>span.presence-count</c> ("3 online") and
    /// <c>ul.presence-names</c> with one <c>li &gt; bdi.presence-name</c> per person, in the store's order.
    /// </summary>
    public LocalizedFrame Presence(IReadOnlyList<string> names) =>
        LocalizedFrame.Of(culture => renderer.RenderFrameAsync(RazorPartialRenderer.PresencePartial, names, culture: culture));

    /// <summary>
    /// Who came and went since the list everyone was last sent: <c>&lt;div class="presence-change"&gt;</c> holding the
    /// new <c>span.presence-count</c>, a <c>bdi.presence-joined</c> per name that joined and a <c>bdi.presence-left</c>
    /// per name that left (names as element text). Its size grows with the change, not with the room.
    /// </summary>
    public LocalizedFrame PresenceChange(PresenceChange change) =>
        LocalizedFrame.Of(culture => renderer.RenderFrameAsync(RazorPartialRenderer.PresenceChangePartial, change, culture: culture));

    /// <summary>Someone is typing: <c>&lt;div class="typing-event" data-user-id data-name&gt;</c>, which the page shows in <c>#typing</c>.</summary>
    public Task<byte[]> TypingAsync(PresentPerson person) => renderer.RenderFrameAsync(RazorPartialRenderer.TypingPartial, person);

    /// <summary>
    /// Someone's display name changed: <c>&lt;div class="author-renamed" data-user-id data-name&gt;</c>, from which the
    /// page renames that author's messages on screen.
    /// </summary>
    public Task<byte[]> AuthorRenamedAsync(PresentPerson person) => renderer.RenderFrameAsync(RazorPartialRenderer.AuthorRenamedPartial, person);

    /// <summary>
    /// An error for one socket, for the composer's error line: <c>&lt;div id="chat-error" data-reason data-client-id&gt;</c>,
    /// so the page knows which message it was about and whether to send it again by itself. The text is
    /// <paramref name="message"/> (a <see cref="ChatText"/> key, i.e. the English text, with <c>{0}</c>-style
    /// placeholders) translated into <paramref name="culture"/>, the socket's own, with <paramref name="arguments"/> filled in.
    /// </summary>
    public Task<byte[]> ErrorAsync(CultureInfo culture, string reason, string? clientId, string message, params object[] arguments)
    {
        var before = CultureInfo.CurrentUICulture;
        string said;
        try
        {
            // IStringLocalizer reads the current UI culture: the socket's, for this one lookup.
            CultureInfo.CurrentUICulture = culture;
            said = string.Format(culture, text[message].Value, arguments);
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
        return renderer.RenderFrameAsync(RazorPartialRenderer.ErrorPartial, new ChatError(said, reason, clientId), culture: culture);
    }

    /// <summary>Too much was missed to send (or the client is ahead of the room): <c>data-missed</c> events; reload.</summary>
    public Task<byte[]> ResyncAsync(long missed) => renderer.RenderFrameAsync(RazorPartialRenderer.ResyncPartial, missed);
}

/// <summary>
/// The difference between two lists of who is online (display names, unique site-wide, compared ordinally):
/// <see cref="Count"/> people now, <see cref="Joined"/> and <see cref="Left"/> each in their list's order.
/// </summary>
public sealed record PresenceChange(int Count, IReadOnlyList<string> Joined, IReadOnlyList<string> Left)
{
    /// <summary>Nobody came or went.</summary>
    public bool IsEmpty => Joined.Count == 0 && Left.Count == 0;

    /// <summary>What turns <paramref name="before"/> into <paramref name="now"/>.</summary>
    public static PresenceChange Between(IReadOnlyList<string> before, IReadOnlyList<string> now)
    {
        var had = before.ToHashSet(StringComparer.Ordinal);
        var has = now.ToHashSet(StringComparer.Ordinal);
        return new(now.Count, [.. now.Where(name => !had.Contains(name))], [.. before.Where(name => !has.Contains(name))]);
    }
}

/// <summary>
/// A refused frame, as the page is told: the reason for a person, a machine-readable <see cref="Reason"/>, and the
/// message's client id when it was a message.
/// </summary>
public sealed record ChatError(string Message, string Reason, string? ClientId)
{
    /// <summary>Over the rate limit: the page sends it again by itself once the budget allows.</summary>
    public const string Rate = "rate";

    /// <summary>The frame or its text breaks a rule: sending it again as it is will not help.</summary>
    public const string Invalid = "invalid";

    /// <summary>An edit or deletion that is not the sender's to make, or of a message that is not there.</summary>
    public const string Refused = "refused";

    /// <summary>The server failed to store it: sending it again may work.</summary>
    public const string Failed = "failed";
}
