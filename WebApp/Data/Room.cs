using System.Globalization;
using System.Text;

namespace WebApp.Data;

public sealed class Room
{
    public const int NameMaxLength = 64;
    public const int SlugMaxLength = 48;

    public int Id { get; set; }
    public required string Slug { get; set; }
    public required string Name { get; set; }

    /// <summary>
    /// <see cref="UserText.Key"/> of <see cref="Name"/>: an owner's rooms have different keys, so "Café", "CAFÉ"
    /// and "ＣＡＦÉ" are one name. Null only in rows older than the column, until the start-up backfill.
    /// </summary>
    public string? NormalizedName { get; set; }
    public required string CreatedById { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>Private rooms are visible only to their owner and the members the owner adds.</summary>
    public bool IsPrivate { get; set; }

    /// <summary>Sequence number of the newest message; grows by one per message, never reused.</summary>
    public long LastSeq { get; set; }
    public DateTime? LastMessageAt { get; set; }

    public List<ChatMessage> Messages { get; } = [];
    public List<RoomMember> Members { get; } = [];

    /// <summary>
    /// A lowercase ASCII slug: accents folded, every other run of characters a single dash.
    /// Names with no Latin letters or digits at all (e.g. "日本語") fall back to "room".
    /// </summary>
    public static string SlugFrom(string name)
    {
        var folded = name.Normalize(NormalizationForm.FormD);
        var slug = new StringBuilder(Math.Min(folded.Length, SlugMaxLength));
        var pendingDash = false;
        foreach (var c in folded)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsAsciiLetterOrDigit(c))
            {
                if (pendingDash && slug.Length > 0) slug.Append('-');
                pendingDash = false;
                slug.Append(char.ToLowerInvariant(c));
                if (slug.Length >= SlugMaxLength) break;
            }
            else
            {
                pendingDash = true;
            }
        }
        var result = slug.ToString().TrimEnd('-');
        return result.Length == 0 ? "room" : result;
    }
}
