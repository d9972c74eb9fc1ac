using System.Net;
using System.Text.RegularExpressions;

namespace WebApp.Tests.Rooms;

/// <summary>One room as the rooms list at <c>/</c> shows it to the person asking.</summary>
/// <param name="Unread">The <c>data-unread</c> of the element with class <c>room</c>; null when absent.</param>
/// <param name="Mentions">Its <c>data-mentions</c>; null when absent.</param>
/// <param name="Badge">The visible unread badge's text (HTML-decoded); null when there is none.</param>
public sealed record RoomsListEntry(string Slug, int? Unread, int? Mentions, string? Badge);

/// <summary>The rooms list page read over HTTP (the page object of <c>Pages/Index</c> for tests without a browser).</summary>
public static partial class RoomsList
{
    /// <summary>Every listed room of <paramref name="person"/>'s list, by slug.</summary>
    public static async Task<IReadOnlyDictionary<string, RoomsListEntry>> ReadAsync(SiteClient person) =>
        Parse(await person.Http.GetStringAsync("/"));

    /// <summary>The entry for <paramref name="slug"/> in <paramref name="person"/>'s list; fails when it is not listed.</summary>
    public static async Task<RoomsListEntry> EntryAsync(SiteClient person, string slug)
    {
        var list = await ReadAsync(person);
        Assert.True(list.ContainsKey(slug), $"room {slug} is not in the list");
        return list[slug];
    }

    /// <summary>
    /// The entry for <paramref name="slug"/> once it equals <paramref name="expected"/>, or the last one read when 10 s
    /// pass first: for effects the server applies a moment later (read markers are written in batches).
    /// </summary>
    public static async Task<RoomsListEntry> EntryOnceAsync(SiteClient person, string slug, RoomsListEntry expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var entry = await EntryAsync(person, slug);
            if (entry == expected || DateTime.UtcNow > deadline) return entry;
            await Task.Delay(50);
        }
    }

    public static IReadOnlyDictionary<string, RoomsListEntry> Parse(string html) =>
        RoomElement().Matches(html).Select(match =>
        {
            var tag = match.Groups["tag"].Value;
            var body = match.Groups["body"].Value;
            var badge = Badge().Match(body);
            return new RoomsListEntry(
                // Razor writes characters outside ASCII in attributes as character references (slugs keep every script).
                WebUtility.HtmlDecode(Link().Match(body).Groups[1].Value).Split('?', '#')[0],
                Number(DataUnread().Match(tag)),
                Number(DataMentions().Match(tag)),
                badge.Success ? WebUtility.HtmlDecode(badge.Groups[1].Value) : null);
        }).ToDictionary(entry => entry.Slug);

    /// <summary>The markup of one room's list item, found by its slug; throws when the room is not listed.</summary>
    public static string ItemOf(string html, string slug) =>
        RoomElement().Matches(html).Single(match =>
            WebUtility.HtmlDecode(Link().Match(match.Groups["body"].Value).Groups[1].Value).Split('?', '#')[0] == slug).Value;

    private static int? Number(Match match) => match.Success ? int.Parse(match.Groups[1].Value) : null;

    // The element with class "room" holding the room's link, whatever its tag and other classes.
    [GeneratedRegex("""<(?<name>\w+)(?<tag>[^>]*\bclass="(?:[^"]*\s)?room(?:\s[^"]*)?"[^>]*)>(?<body>(?:(?!</\k<name>>).)*<a [^>]*href="/rooms/[^"]+"(?:(?!</\k<name>>).)*)</\k<name>>""", RegexOptions.Singleline)]
    private static partial Regex RoomElement();

    [GeneratedRegex("""<a [^>]*href="/rooms/([^"]+)""")]
    private static partial Regex Link();

    [GeneratedRegex(@"\bdata-unread=""(\d+)""")]
    private static partial Regex DataUnread();

    [GeneratedRegex(@"\bdata-mentions=""(\d+)""")]
    private static partial Regex DataMentions();

    [GeneratedRegex("""class="unread-badge[^"]*">([^<]*)</span>""")]
    private static partial Regex Badge();
}
