using System.Text.RegularExpressions;

namespace WebApp.Chat;

/// <summary>
/// Finds web addresses in message text so they can be shown as links. Only absolute <c>http</c> and <c>https</c>
/// URLs with a host become links (RFC 3986 §3); every other scheme (<c>javascript:</c>, <c>data:</c>,
/// <c>vbscript:</c>, <c>file:</c>), scheme-relative <c>//host</c> and anything that does not parse stays text. An
/// address ends at whitespace, a quote or an angle bracket, and loses trailing punctuation that usually ends the
/// sentence around it (<c>.,;:!?'</c>, and a closing bracket with no opening one inside the address). The page
/// renders each link with <c>rel="noopener noreferrer nofollow ugc"</c>; the text shown is exactly what was typed.
/// </summary>
public static partial class MessageLinks
{
    /// <summary>
    /// Splits <paramref name="text"/> into runs: plain text (<c>Href</c> null) and addresses (<c>Href</c> the
    /// normalized absolute URL to link to, <c>Text</c> the characters as typed). The runs concatenate to the input.
    /// </summary>
    public static IEnumerable<(string Text, string? Href)> Runs(string text)
    {
        var position = 0;
        foreach (Match match in Candidate().Matches(text))
        {
            var candidate = Trimmed(match.Value);
            if (candidate.Length == 0 || Href(candidate) is not { } href) continue;
            if (match.Index > position) yield return (text[position..match.Index], null);
            yield return (candidate, href);
            position = match.Index + candidate.Length;
        }
        if (position < text.Length) yield return (text[position..], null);
    }

    /// <summary>The absolute http(s) URL <paramref name="candidate"/> names, or null when it is not one.</summary>
    private static string? Href(string candidate) =>
        Uri.TryCreate(candidate, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.Host.Length > 0
        // "http:host" without the slashes parses, but is no address anyone meant.
        && candidate.AsSpan(uri.Scheme.Length).StartsWith("://")
            ? uri.AbsoluteUri
            : null;

    private static string Trimmed(string candidate)
    {
        while (candidate.Length > 0)
        {
            var last = candidate[^1];
            var unbalanced = last switch
            {
                ')' => candidate.Count(c => c == '(') < candidate.Count(c => c == ')'),
                ']' => candidate.Count(c => c == '[') < candidate.Count(c => c == ']'),
                '}' => candidate.Count(c => c == '{') < candidate.Count(c => c == '}'),
                _ => false,
            };
            if (!unbalanced && ".,;:!?'*".IndexOf(last) < 0) break;
            candidate = candidate[..^1];
        }
        return candidate;
    }

    // A scheme not inside a Latin word ("xhttps://" is none; Japanese and Chinese put no space before an address),
    // then everything up to whitespace, a quote or an angle bracket (never part of a URL
    // as typed, RFC 3986 Appendix C). Case-insensitive: HTTPS://EXAMPLE.COM is an address too.
    [GeneratedRegex(@"(?<![A-Za-z0-9])https?://[^\s<>""'`\u3000-\u303F\uFF01-\uFF0F\uFF1A-\uFF20]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Candidate();
}
