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
    /// The room's address part: the name under NFKC, lower-cased (invariant), keeping the letters and digits of every
    /// script (and the combining marks that belong to them), with every run of anything else as one <c>-</c>, at most
    /// <see cref="SlugMaxLength"/> UTF-16 units (never cutting a character in two). <c>雑談部屋</c> stays
    /// <c>雑談部屋</c> (percent-encoded in URLs), <c>Café au lait!</c> becomes <c>café-au-lait</c>. A name with no letter
    /// or digit at all becomes <c>room</c>.
    /// </summary>
    public static string SlugFrom(string name)
    {
        var slug = new StringBuilder(Math.Min(name.Length, SlugMaxLength));
        var pendingDash = false;
        var afterLetter = false;
        foreach (var rune in name.Normalize(NormalizationForm.FormKC).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            var keep = Rune.IsLetterOrDigit(rune)
                || (afterLetter && category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark);
            if (!keep)
            {
                pendingDash = true;
                afterLetter = false;
                continue;
            }
            var lower = Rune.ToLowerInvariant(rune);
            var needed = lower.Utf16SequenceLength + (pendingDash && slug.Length > 0 ? 1 : 0);
            if (slug.Length + needed > SlugMaxLength) break;
            if (pendingDash && slug.Length > 0) slug.Append('-');
            pendingDash = false;
            afterLetter = true;
            slug.Append(lower.ToString());
        }
        return slug.Length == 0 ? "room" : slug.ToString();
    }
}
