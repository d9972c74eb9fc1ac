using System.Text;
using Microsoft.EntityFrameworkCore;

namespace WebApp.Data;

/// <summary>Why a search query was refused; <see cref="None"/> when it can run.</summary>
public enum SearchQueryProblem
{
    None,

    /// <summary>Nothing to look for: empty, or only spaces and invisible characters. The page shows its form only.</summary>
    Blank,

    /// <summary>Longer than <see cref="SearchQuery.MaxChars"/> UTF-16 code units.</summary>
    TooLong,

    /// <summary>More than <see cref="SearchQuery.MaxTerms"/> words.</summary>
    TooManyTerms,

    /// <summary>A control character or a lone surrogate (<see cref="UserText.Clean"/>'s rules for a line of text).</summary>
    Unreadable,
}

/// <summary>
/// A search as typed, split into terms. Every character is literal: FTS5 syntax (<c>" * ^ : - ( ) NEAR OR</c>) and
/// LIKE wildcards (<c>% _</c>) mean themselves. A message matches when it contains every term, anywhere, ignoring
/// case (so <c>会議</c> is found inside <c>明日の会議は十時から</c>, with no spaces around it).
/// </summary>
/// <param name="Terms">The whitespace-separated words, distinct, in typed order; empty unless <see cref="Problem"/> is None.</param>
/// <param name="Reason">A sentence for the person searching when the query is refused (not for <see cref="SearchQueryProblem.Blank"/>).</param>
public sealed record SearchQuery(IReadOnlyList<string> Terms, SearchQueryProblem Problem, string? Reason)
{
    /// <summary>The longest query, in UTF-16 code units: longer ones are refused rather than cut, so no one wonders what was searched.</summary>
    public const int MaxChars = 200;

    /// <summary>The most words in one query; each is one more condition on every message of the room.</summary>
    public const int MaxTerms = 10;

    /// <summary>Terms shorter than this (in code points) cannot use the trigram index and are matched by a scan of the room.</summary>
    public const int TrigramLength = 3;

    public bool IsValid => Problem == SearchQueryProblem.None;

    /// <summary>Reads <paramref name="text"/> (the <c>q</c> field) by <see cref="UserText.Clean"/>'s rules for one line.</summary>
    public static SearchQuery Parse(string? text)
    {
        if (text is not null && text.Length > MaxChars)
            return Refused(SearchQueryProblem.TooLong, $"Search for at most {MaxChars} characters (this was {text.Length}).");
        var cleaned = UserText.Clean(text, UserTextShape.Line);
        if (cleaned.Problem == UserTextProblem.Blank) return Refused(SearchQueryProblem.Blank, null);
        if (!cleaned.IsValid) return Refused(SearchQueryProblem.Unreadable, cleaned.Reason);
        var terms = cleaned.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Where(UserText.IsVisible)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (terms.Count == 0) return Refused(SearchQueryProblem.Blank, null);
        if (terms.Count > MaxTerms) return Refused(SearchQueryProblem.TooManyTerms, $"Search for at most {MaxTerms} words (this was {terms.Count}).");
        return new SearchQuery(terms, SearchQueryProblem.None, null);
    }

    private static SearchQuery Refused(SearchQueryProblem problem, string? reason) => new([], problem, reason);
}

/// <summary>One message found: enough to show it and link to it in context (the room page's <c>?before={Seq + 1}#m-{Id}</c>).</summary>
public sealed record SearchHit(long Id, long Seq, string AuthorName, string Text, DateTime SentAt, DateTime? EditedAt);

/// <summary>One page of hits, best first, and whether a next page exists.</summary>
public sealed record SearchResults(IReadOnlyList<SearchHit> Hits, bool HasMore);

/// <summary>A stretch of a message's text, marked when it is part of a searched term (for <c>&lt;mark&gt;</c>).</summary>
public readonly record struct HighlightedPart(string Text, bool IsMatch);

/// <summary>
/// Message search within one room: the one place that knows how each database finds text.
/// <list type="bullet">
/// <item>SQLite: the FTS5 table <c>MessagesSearch</c> (tokenizer <c>trigram</c>, external content on <c>Messages</c>,
/// kept by triggers: see the AddMessageSearch migration), ranked by <c>bm25</c> then newest. Terms shorter than a
/// trigram are matched on the room's messages instead, case folded by <see cref="SqliteTextFolding"/>.</item>
/// <item>PostgreSQL: <c>ILIKE</c> on <c>Messages.Text</c>, served by a <c>pg_trgm</c> GIN index, ranked by
/// <c>word_similarity</c>, then <c>similarity</c>, then newest.</item>
/// </list>
/// Deleted messages are never found; edited ones are found by their current text. Terms reach the database only as
/// parameters.
/// </summary>
public static class MessageSearch
{
    /// <summary>
    /// Page <paramref name="page"/> (from 1) of <paramref name="query"/>'s hits in room <paramref name="roomId"/>,
    /// <paramref name="pageSize"/> per page. <paramref name="query"/> must be valid.
    /// </summary>
    public static async Task<SearchResults> FindAsync(AppDbContext db, int roomId, SearchQuery query, int page, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        if (!query.IsValid) throw new ArgumentException("Only a valid query can be searched for.", nameof(query));

        var (sql, parameters) = db.Database.IsNpgsql() ? PostgresSql(roomId, query) : SqliteSql(roomId, query);
        sql += $" LIMIT {Slot(parameters, pageSize + 1)} OFFSET {Slot(parameters, (page - 1) * pageSize)}";
        var rows = await db.Database.SqlQueryRaw<SearchHit>(sql, [.. parameters]).ToListAsync(cancellationToken);
        return new SearchResults(rows.Take(pageSize).ToList(), rows.Count > pageSize);
    }

    /// <summary>
    /// <paramref name="text"/> cut where <paramref name="terms"/> occur (ignoring case, overlaps merged), for showing
    /// with the matches marked. The caller encodes every part: message text is never markup.
    /// </summary>
    public static IReadOnlyList<HighlightedPart> Highlight(string text, IReadOnlyList<string> terms)
    {
        var marked = new bool[text.Length];
        foreach (var term in terms)
        {
            for (var at = text.IndexOf(term, StringComparison.OrdinalIgnoreCase); at >= 0 && at < text.Length;
                 at = text.IndexOf(term, at + 1, StringComparison.OrdinalIgnoreCase))
            {
                Array.Fill(marked, true, at, Math.Min(term.Length, text.Length - at));
            }
        }

        var parts = new List<HighlightedPart>();
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i < text.Length && marked[i] == marked[start]) continue;
            parts.Add(new HighlightedPart(text[start..i], marked[start]));
            start = i;
        }
        return parts;
    }

    private static (string Sql, List<object> Parameters) SqliteSql(int roomId, SearchQuery query)
    {
        List<object> parameters = [roomId];
        var (indexed, scanned) = Partition(query);
        var sql = new StringBuilder();
        if (indexed.Count > 0)
        {
            // Each term a quoted FTS5 string (inner quotes doubled): the whole of FTS5's syntax becomes literal text.
            var match = Slot(parameters, string.Join(' ', indexed.Select(term => '"' + term.Replace("\"", "\"\"") + '"')));
            sql.Append($"""
                SELECT m."Id", m."Seq", m."AuthorName", m."Text", m."SentAt", m."EditedAt"
                FROM "MessagesSearch" AS s JOIN "Messages" AS m ON m."Id" = s.rowid
                WHERE "MessagesSearch" MATCH {match} AND m."RoomId" = {RoomSlot} AND m."DeletedAt" IS NULL
                """);
        }
        else
        {
            sql.Append("""
                SELECT m."Id", m."Seq", m."AuthorName", m."Text", m."SentAt", m."EditedAt"
                FROM "Messages" AS m
                WHERE m."RoomId" = {0} AND m."DeletedAt" IS NULL
                """);
        }
        foreach (var term in scanned)
        {
            // Not LIKE: SQLite's LIKE ignores the case of ASCII letters only (the trigram index folds all of them).
            sql.Append($""" AND instr({SqliteTextFolding.Function}(m."Text"), {Slot(parameters, term.ToLowerInvariant())}) > 0""");
        }
        sql.Append(indexed.Count > 0 ? """ ORDER BY bm25("MessagesSearch"), m."Seq" DESC""" : """ ORDER BY m."Seq" DESC""");
        return (sql.ToString(), parameters);
    }

    private static (string Sql, List<object> Parameters) PostgresSql(int roomId, SearchQuery query)
    {
        List<object> parameters = [roomId, string.Join(' ', query.Terms)];
        var sql = new StringBuilder("""
            SELECT m."Id", m."Seq", m."AuthorName", m."Text", m."SentAt", m."EditedAt"
            FROM "Messages" AS m
            WHERE m."RoomId" = {0} AND m."DeletedAt" IS NULL
            """);
        foreach (var term in query.Terms)
        {
            sql.Append($""" AND m."Text" ILIKE {Slot(parameters, LikeContaining(term))} ESCAPE '\'""");
        }
        // word_similarity: how well the query matches some stretch of the text (whole words beat parts of words);
        // similarity then prefers the message the query is more of (short ones), and newest breaks ties.
        sql.Append(""" ORDER BY word_similarity({1}, m."Text") DESC, similarity({1}, m."Text") DESC, m."Seq" DESC""");
        return (sql.ToString(), parameters);
    }

    /// <summary>The room id is always the first parameter.</summary>
    private const string RoomSlot = "{0}";

    /// <summary>Adds <paramref name="value"/> as the next parameter and returns its placeholder for SqlQueryRaw (<c>{n}</c>).</summary>
    private static string Slot(List<object> parameters, object value)
    {
        parameters.Add(value);
        return "{" + (parameters.Count - 1) + "}";
    }

    /// <summary>Terms the trigram index can find, and those too short for it (counted in code points, as FTS5 does).</summary>
    private static (List<string> Indexed, List<string> Scanned) Partition(SearchQuery query)
    {
        var indexed = query.Terms.Where(term => term.EnumerateRunes().Count() >= SearchQuery.TrigramLength).ToList();
        return (indexed, query.Terms.Except(indexed).ToList());
    }

    /// <summary>A LIKE pattern for "contains <paramref name="term"/>", with <c>\</c>, <c>%</c> and <c>_</c> escaped by <c>\</c>.</summary>
    private static string LikeContaining(string term) =>
        "%" + term.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
}
