using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>
/// Finds who a message names with <c>@Display Name</c>: after each <c>@</c> that does not follow a letter or digit
/// (so <c>a@example.com</c> names nobody), the longest display name of someone who may be in the room (anyone for a
/// public room; the owner and members for a private one) that the text continues with, spaces included, and that
/// does not run on into a further letter or digit. Names compare as every match here does: <see cref="UserText.Key"/>
/// (NFKC, then upper case), so <c>@ｂｏｂ</c> names Bob.
/// </summary>
public sealed class MentionFinder(IDbContextFactory<AppDbContext> dbFactory)
{
    /// <summary>At most this many <c>@</c>s of one message are looked up: a text of nothing but <c>@</c>s costs a bounded number of queries.</summary>
    public const int MaxLookups = 10;

    /// <returns>Each mention's place in <paramref name="text"/>, in text order; empty when none.</returns>
    public async Task<IReadOnlyList<MentionSpan>> FindAsync(RoomInfo room, string text, CancellationToken cancellationToken)
    {
        if (!text.Contains('@')) return [];
        var found = new List<MentionSpan>();
        var lookups = 0;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        for (var at = text.IndexOf('@'); at >= 0 && lookups < MaxLookups; at = text.IndexOf('@', at + 1))
        {
            if (at > 0 && char.IsLetterOrDigit(text[at - 1])) continue;
            // Every way the text after the @ could end a name (at a word boundary), as keys: looked up exactly, so
            // the unique index answers, however many people share the first word.
            var endings = Endings(text, at + 1);
            if (endings.Count == 0) continue;
            lookups++;
            var keys = endings.Select(e => e.Key).Distinct().ToList();
            var users = db.Users.AsNoTracking().Where(u => u.NormalizedDisplayName != null && keys.Contains(u.NormalizedDisplayName));
            if (room.IsPrivate)
            {
                users = users.Where(u => u.Id == room.OwnerId || db.RoomMembers.Any(m => m.RoomId == room.Id && m.UserId == u.Id));
            }
            var matches = await users.Select(u => new { u.Id, u.NormalizedDisplayName }).ToListAsync(cancellationToken);
            if (matches.Count == 0) continue;
            // The longest name the text continues with wins ("@Bob Smith" names Bob Smith, not Bob).
            var longest = endings.Where(e => matches.Any(m => m.NormalizedDisplayName == e.Key)).MaxBy(e => e.Length);
            foreach (var match in matches.Where(m => m.NormalizedDisplayName == longest.Key))
            {
                found.Add(new MentionSpan(match.Id, at, longest.Length + 1));
            }
            at += longest.Length;
        }
        return found;
    }

    /// <summary>
    /// The keys of the text from <paramref name="start"/> to each word boundary after it (a letter or digit followed
    /// by anything else, or the end), up to a display name's length in any form (NFKC can fold several characters
    /// into one), with their lengths in UTF-16 units.
    /// </summary>
    private static List<(string Key, int Length)> Endings(string text, int start)
    {
        var endings = new List<(string, int)>();
        var limit = Math.Min(text.Length, start + AppUser.DisplayNameMaxLength * 4);
        for (var end = start + 1; end <= limit; end++)
        {
            var last = text[end - 1];
            if (!(char.IsLetterOrDigit(last) || char.IsSurrogate(last) || IsMark(last))) continue;
            if (end < text.Length && (char.IsLetterOrDigit(text[end]) || char.IsLowSurrogate(text[end]) || IsMark(text[end]))) continue;
            var key = UserText.Key(text[start..end]).Trim();
            if (key.Length > 0) endings.Add((key, end - start));
        }
        return endings;
    }

    private static bool AtBoundary(string text, int end) =>
        end >= text.Length || !(char.IsLetterOrDigit(text[end]) || char.IsLowSurrogate(text[end]));

    private static bool IsMark(char c) => char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark
        or System.Globalization.UnicodeCategory.SpacingCombiningMark;

    /// <summary>
    /// A message's text cut into runs to render: plain text, and mentions with the id of the person named. Every place
    /// the words of a stored mention appear (after a non-letter) is marked, so a person named twice is marked twice.
    /// Spans that no longer fit the text (it cannot happen through the writer, which replaces them on edit) are ignored.
    /// </summary>
    public static IEnumerable<(string Text, string? UserId)> Runs(ChatMessage message)
    {
        var text = message.Text;
        if (message.Mentions.Count == 0 || text.Length == 0)
        {
            yield return (text, null);
            yield break;
        }
        var marks = new List<(int Start, int Length, string UserId)>();
        foreach (var mention in message.Mentions.OrderByDescending(m => m.Length))
        {
            if (mention.Start < 0 || mention.Length < 2 || mention.Start + mention.Length > text.Length) continue;
            var words = text.Substring(mention.Start, mention.Length);
            for (var at = text.IndexOf(words, StringComparison.Ordinal); at >= 0; at = text.IndexOf(words, at + 1, StringComparison.Ordinal))
            {
                if (at > 0 && char.IsLetterOrDigit(text[at - 1])) continue;
                if (!AtBoundary(text, at + words.Length)) continue;
                if (marks.Any(m => at < m.Start + m.Length && m.Start < at + words.Length)) continue;
                marks.Add((at, words.Length, mention.UserId));
            }
        }
        var position = 0;
        foreach (var (start, length, userId) in marks.OrderBy(m => m.Start))
        {
            if (start > position) yield return (text[position..start], null);
            yield return (text.Substring(start, length), userId);
            position = start + length;
        }
        if (position < text.Length) yield return (text[position..], null);
    }
}
