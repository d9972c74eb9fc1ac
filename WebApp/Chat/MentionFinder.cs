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

    /// <summary>Candidates read per <c>@</c>: people whose name starts with the word after it.</summary>
    private const int MaxCandidates = 50;

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
            var stem = FirstWord(text, at + 1);
            if (stem.Length == 0) continue;
            lookups++;
            var key = UserText.Key(stem);
            var users = db.Users.AsNoTracking().Where(u => u.NormalizedDisplayName != null && u.NormalizedDisplayName.StartsWith(key));
            if (room.IsPrivate)
            {
                users = users.Where(u => u.Id == room.OwnerId || db.RoomMembers.Any(m => m.RoomId == room.Id && m.UserId == u.Id));
            }
            var candidates = await users
                .Select(u => new { u.Id, u.NormalizedDisplayName })
                .Take(MaxCandidates)
                .ToListAsync(cancellationToken);

            var best = 0;
            var named = new List<string>();
            foreach (var candidate in candidates)
            {
                var length = MatchLength(text, at + 1, candidate.NormalizedDisplayName!);
                if (length == 0 || length < best) continue;
                if (length > best) named.Clear();
                best = length;
                named.Add(candidate.Id);
            }
            foreach (var userId in named) found.Add(new MentionSpan(userId, at, best + 1));
            if (best > 0) at += best;
        }
        return found;
    }

    /// <summary>The run of letters and digits (and the marks that go with them) starting at <paramref name="start"/>.</summary>
    private static string FirstWord(string text, int start)
    {
        var end = start;
        while (end < text.Length && (char.IsLetterOrDigit(text[end]) || char.IsSurrogate(text[end])
            || char.GetUnicodeCategory(text[end]) is System.Globalization.UnicodeCategory.NonSpacingMark
                or System.Globalization.UnicodeCategory.SpacingCombiningMark))
        {
            end++;
        }
        return text[start..end];
    }

    /// <summary>
    /// How many UTF-16 units from <paramref name="start"/> spell <paramref name="key"/> under <see cref="UserText.Key"/>
    /// and end at a word boundary; 0 when none do. The typed form may be longer or shorter than the key (NFKC folds
    /// width and compatibility forms), so each length up to a bound is tried.
    /// </summary>
    private static int MatchLength(string text, int start, string key)
    {
        // The usual case, typed as stored: one comparison.
        if (key.Length <= text.Length - start && AtBoundary(text, start + key.Length)
            && UserText.Key(text.Substring(start, key.Length)) == key)
        {
            return key.Length;
        }
        // Only text outside ASCII can spell the key in another length (ASCII is its own NFKC form).
        if (!HasNonAscii(text, start, key.Length * 4 + 4)) return 0;
        var longest = Math.Min(text.Length - start, key.Length * 4 + 4);
        for (var length = longest; length > 0; length--)
        {
            if (!AtBoundary(text, start + length)) continue;
            if (UserText.Key(text.Substring(start, length)) == key) return length;
        }
        return 0;
    }

    private static bool AtBoundary(string text, int end) =>
        end >= text.Length || !(char.IsLetterOrDigit(text[end]) || char.IsLowSurrogate(text[end]));

    private static bool HasNonAscii(string text, int start, int count)
    {
        for (var i = start; i < text.Length && i < start + count; i++)
        {
            if (text[i] > '\u007f') return true;
        }
        return false;
    }

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
