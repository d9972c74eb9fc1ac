using System.Net;
using System.Text.RegularExpressions;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// Who is online as a page would show it, built as chat.js builds it: a whole list (<c>#presence</c>) replaces the
/// view, a change (<c>.presence-change</c>) sets the count and adds the names that joined (in the store's order) and
/// removes those that left. Lets tests wait for "these people online" whichever kind of frame told them.
/// </summary>
public sealed partial class PresenceView
{
    private readonly Lock _lock = new();
    private List<string> _names = [];
    private readonly List<string> _removed = [];

    /// <summary>The names shown, in order.</summary>
    public IReadOnlyList<string> Names { get { lock (_lock) return [.. _names]; } }

    /// <summary>Every name a change removed, in order (a stale "left" shows here even when a later change heals it).</summary>
    public IReadOnlyList<string> Removed { get { lock (_lock) return [.. _removed]; } }

    /// <summary>The count text shown ("3 online"), or null before any presence frame.</summary>
    public string? CountText { get; private set; }

    /// <summary>Whole lists and changes applied so far.</summary>
    public int WholeLists { get; private set; }
    public int Changes { get; private set; }

    public static bool IsWholeList(string frame) => frame.StartsWith("<div id=\"presence\"", StringComparison.Ordinal);

    public static bool IsChange(string frame) => frame.StartsWith("<div class=\"presence-change\"", StringComparison.Ordinal);

    /// <summary>Applies a presence frame; any other frame is ignored. True when it was one.</summary>
    public bool Apply(string frame)
    {
        var whole = IsWholeList(frame);
        if (!whole && !IsChange(frame)) return false;
        lock (_lock)
        {
            CountText = WebUtility.HtmlDecode(CountPattern().Match(frame).Groups[1].Value);
            if (whole)
            {
                _names = [.. NamesOf(frame, "presence-name")];
                WholeLists++;
                return true;
            }
            Changes++;
            foreach (var left in NamesOf(frame, "presence-left"))
            {
                _names.Remove(left);
                _removed.Add(left);
            }
            foreach (var joined in NamesOf(frame, "presence-joined"))
            {
                if (_names.Contains(joined)) continue;
                // The presence store's order.
                var at = _names.FindIndex(name => StringComparer.CurrentCultureIgnoreCase.Compare(name, joined) > 0);
                _names.Insert(at < 0 ? _names.Count : at, joined);
            }
            return true;
        }
    }

    /// <summary>The names a frame carries in <c>bdi</c> elements of a class, decoded.</summary>
    public static IEnumerable<string> NamesOf(string frame, string className) =>
        Regex.Matches(frame, $"<bdi class=\"{className}\">(.*?)</bdi>", RegexOptions.Singleline).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value));

    public override string ToString() => $"{CountText}: {string.Join(", ", Names)}";

    [GeneratedRegex("<span class=\"presence-count\">(.*?)</span>", RegexOptions.Singleline)]
    private static partial Regex CountPattern();
}
