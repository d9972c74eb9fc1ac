using System.Globalization;

namespace WebApp.Localization;

/// <summary>
/// The languages the site speaks, as BCP 47 tags (RFC 5646): <c>en</c> (the default, and the neutral resources),
/// <c>ja</c> and <c>zh-Hans</c>. A request in a regional variant falls back to its parent (<c>ja-JP</c> → <c>ja</c>,
/// <c>zh-CN</c>/<c>zh-SG</c> → <c>zh-Hans</c>); a bare <c>zh</c> is read as <c>zh-Hans</c>.
/// </summary>
public static class SiteCultures
{
    /// <summary>The culture used when nothing the person sent names a supported one.</summary>
    public const string Default = "en";

    /// <summary>Every supported culture's name, in the order the language menu lists them.</summary>
    public static readonly IReadOnlyList<string> Names = ["en", "ja", "zh-Hans"];

    /// <summary>
    /// The supported culture <paramref name="tag"/> names (exactly, case-insensitively, or as a parent), or null when
    /// it names none: <c>"ja-JP"</c> → <c>"ja"</c>, <c>"zh"</c> → <c>"zh-Hans"</c>, <c>"fr"</c> → null.
    /// </summary>
    public static string? Find(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag.Length > 64) return null;
        if (tag.Equals("zh", StringComparison.OrdinalIgnoreCase)) return "zh-Hans";
        CultureInfo culture;
        try
        {
            culture = CultureInfo.GetCultureInfo(tag);
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
        for (var c = culture; c != CultureInfo.InvariantCulture; c = c.Parent)
        {
            foreach (var name in Names)
            {
                if (c.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return name;
            }
        }
        return null;
    }

    /// <summary>A language's own name for itself (an autonym), as the language menu shows it: "日本語" for <c>ja</c>.</summary>
    public static string Autonym(string name) => name switch
    {
        "ja" => "日本語",
        "zh-Hans" => "简体中文",
        _ => "English",
    };
}
