using System.Globalization;
using System.Text;

namespace WebApp.Data;

/// <summary>Whether a piece of user text may span lines (a message) or must stay on one (a name, a lookup).</summary>
public enum UserTextShape
{
    /// <summary>Names and lookups: no line breaks and no tabs, which would let one name pass for another.</summary>
    Line,

    /// <summary>Messages: line feeds and tabs are kept; every other line break becomes a line feed.</summary>
    Lines,
}

/// <summary>Why a piece of user text was refused.</summary>
public enum UserTextProblem
{
    None,

    /// <summary>Nothing in the text would show: it is empty, or only spaces, invisible or combining characters.</summary>
    Blank,

    /// <summary>A C0 or C1 control character (Unicode category Cc) other than those <see cref="UserTextShape"/> allows.</summary>
    ControlCharacter,

    /// <summary>Half of a UTF-16 surrogate pair: not a character at all, and unstorable as UTF-8.</summary>
    LoneSurrogate,
}

/// <summary>The outcome of <see cref="UserText.Clean"/>: the text to store, or why there is none.</summary>
/// <param name="Text">The cleaned text when <see cref="Problem"/> is <see cref="UserTextProblem.None"/>, else "".</param>
/// <param name="Offender">The code point behind a <see cref="UserTextProblem.ControlCharacter"/> or <see cref="UserTextProblem.LoneSurrogate"/>.</param>
public readonly record struct CleanedText(string Text, UserTextProblem Problem, int Offender = 0)
{
    public bool IsValid => Problem == UserTextProblem.None;

    /// <summary>A sentence for the person who sent it; for <see cref="UserTextProblem.Blank"/> callers say it their own way.</summary>
    public string Reason => Problem switch
    {
        UserTextProblem.None => "",
        UserTextProblem.Blank => "Nothing in this text would show.",
        UserTextProblem.ControlCharacter when Offender is '\n' or '\r' or '\t' or 0x85 or 0x2028 or 0x2029 =>
            "This must be one line: line breaks and tabs are not allowed.",
        UserTextProblem.ControlCharacter => $"Control characters are not allowed (U+{Offender:X4} found).",
        _ => $"The text holds half a character (U+{Offender:X4}).",
    };
}

/// <summary>
/// The one owner of the rules for text people type: messages, room names, display names and invite lookups.
/// <list type="bullet">
/// <item><see cref="Clean"/> refuses control characters and text that shows nothing, turns every line break into
/// LF, and trims White_Space from both ends.</item>
/// <item><see cref="Key"/> is the case- and form-insensitive key every lookup compares (stored in the Normalized*
/// columns, and Identity's NormalizedEmail/NormalizedUserName).</item>
/// <item><see cref="WithoutBidiControls"/> is for the few places (a page's title) where text cannot be put in an
/// element of its own to isolate its direction.</item>
/// </list>
/// Everything works on <see cref="Rune"/>s, so characters outside the BMP (tags, musical format characters) count
/// as one character each.
/// </summary>
public static class UserText
{
    /// <summary>
    /// Validates and tidies user text. Refused: lone surrogates; C0 and C1 controls (category Cc), except LF and TAB
    /// in <see cref="UserTextShape.Lines"/>; and text with no visible character (see <see cref="IsVisible(Rune)"/>).
    /// CRLF, CR, NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029) become LF first (Unicode
    /// Standard 5.8, "Newline Guidelines"), so in <see cref="UserTextShape.Line"/> they are refused as line breaks.
    /// Length limits are the caller's: they differ per field and count UTF-16 code units, as the columns do.
    /// </summary>
    public static CleanedText Clean(string? text, UserTextShape shape)
    {
        if (string.IsNullOrEmpty(text)) return new("", UserTextProblem.Blank);

        var lines = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                return new("", UserTextProblem.LoneSurrogate, text[i]);
            }
            i += used;
            var sent = rune.Value;
            if (sent == '\r' && i < text.Length && text[i] == '\n') i++;
            if (sent is '\r' or 0x85 or 0x2028 or 0x2029) rune = new Rune('\n');

            var allowed = shape == UserTextShape.Lines && rune.Value is '\n' or '\t';
            if (!allowed && Rune.GetUnicodeCategory(rune) == UnicodeCategory.Control)
            {
                // Report what was sent, not what it became, so a CR in a name says U+000D.
                return new("", UserTextProblem.ControlCharacter, sent);
            }
            lines.Append(rune);
        }

        // string.Trim uses char.IsWhiteSpace: Unicode's White_Space, all of which lies in the BMP.
        var cleaned = lines.ToString().Trim();
        return IsVisible(cleaned) ? new(cleaned, UserTextProblem.None) : new("", UserTextProblem.Blank);
    }

    /// <summary>True when at least one character of <paramref name="text"/> would show (see <see cref="IsVisible(Rune)"/>).</summary>
    public static bool IsVisible(string? text)
    {
        if (text is null) return false;
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsVisible(rune)) return true;
        }
        return false;
    }

    /// <summary>
    /// A character shows unless it is White_Space, Default_Ignorable_Code_Point, a control or format character
    /// (Cc, Cf), a combining mark (Mn, Mc, Me: alone they decorate nothing), or one of the letters that render
    /// blank: HANGUL CHOSEONG/JUNGSEONG FILLER (U+115F, U+1160), HANGUL FILLER (U+3164), HALFWIDTH HANGUL FILLER
    /// (U+FFA0) and BRAILLE PATTERN BLANK (U+2800).
    /// </summary>
    public static bool IsVisible(Rune rune)
    {
        if (Rune.IsWhiteSpace(rune) || IsDefaultIgnorable(rune)) return false;
        if (rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800) return false;
        return Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark);
    }

    /// <summary>
    /// The Default_Ignorable_Code_Point property, which .NET does not expose: the ranges of
    /// https://www.unicode.org/Public/16.0.0/ucd/DerivedCoreProperties.txt (Unicode 16.0; unchanged since 9.0).
    /// </summary>
    public static bool IsDefaultIgnorable(Rune rune) => rune.Value switch
    {
        0x00AD => true,                    // SOFT HYPHEN
        0x034F => true,                    // COMBINING GRAPHEME JOINER
        0x061C => true,                    // ARABIC LETTER MARK
        0x115F or 0x1160 => true,          // HANGUL CHOSEONG FILLER, HANGUL JUNGSEONG FILLER
        0x17B4 or 0x17B5 => true,          // KHMER VOWEL INHERENT AQ, AA
        >= 0x180B and <= 0x180F => true,   // MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
        >= 0x200B and <= 0x200F => true,   // ZERO WIDTH SPACE .. RIGHT-TO-LEFT MARK
        >= 0x202A and <= 0x202E => true,   // LEFT-TO-RIGHT EMBEDDING .. RIGHT-TO-LEFT OVERRIDE
        >= 0x2060 and <= 0x206F => true,   // WORD JOINER .. NOMINAL DIGIT SHAPES (with the isolates)
        0x3164 => true,                    // HANGUL FILLER
        >= 0xFE00 and <= 0xFE0F => true,   // VARIATION SELECTOR-1 .. 16
        0xFEFF => true,                    // ZERO WIDTH NO-BREAK SPACE (BOM)
        0xFFA0 => true,                    // HALFWIDTH HANGUL FILLER
        >= 0xFFF0 and <= 0xFFF8 => true,   // reserved
        >= 0x1BCA0 and <= 0x1BCA3 => true, // SHORTHAND FORMAT CONTROLS
        >= 0x1D173 and <= 0x1D17A => true, // MUSICAL SYMBOL BEGIN BEAM .. END PHRASE
        >= 0xE0000 and <= 0xE0FFF => true, // LANGUAGE TAG, TAG characters, VARIATION SELECTOR-17 .. 256, reserved
        _ => false,
    };

    /// <summary>
    /// The key two texts are "the same" by, for every case-insensitive lookup: Default_Ignorable_Code_Points removed
    /// (as Unicode's NFKC_Casefold does, so "Bob\u200B" is "Bob"), then NFKC (compatibility and composed forms:
    /// "ｂｏｂ" is "bob", "e\u0301" is "é"), then <see cref="string.ToUpperInvariant"/> (any script's simple case
    /// mapping). Needs ICU: with InvariantGlobalization on, .NET would leave non-ASCII text unnormalized.
    /// </summary>
    public static string Key(string text)
    {
        var visible = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (!IsDefaultIgnorable(rune)) visible.Append(rune);
        }
        return visible.ToString().Normalize(NormalizationForm.FormKC).ToUpperInvariant();
    }

    /// <summary>
    /// Removes the bidirectional formatting characters of UAX #9 (ALM U+061C, LRM U+200E, RLM U+200F, LRE..RLO
    /// U+202A..U+202E, LRI..PDI U+2066..U+2069), for text that shares a run with other text and cannot have an
    /// element of its own, such as a page's &lt;title&gt;.
    /// </summary>
    public static string WithoutBidiControls(string text)
    {
        if (!text.AsSpan().ContainsAny(BidiControls)) return text;
        var kept = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!BidiControls.Contains(c)) kept.Append(c);
        }
        return kept.ToString();
    }

    /// <summary>
    /// User text to quote inside a sentence that is plain text (an error message): bidi controls removed, then
    /// wrapped in FIRST STRONG ISOLATE (U+2068) and POP DIRECTIONAL ISOLATE (U+2069), the plain-text form of
    /// &lt;bdi&gt; (UAX #9, 2.7), so the name cannot reorder the words around it.
    /// </summary>
    public static string Isolate(string text) => "\u2068" + WithoutBidiControls(text) + "\u2069";

    private static readonly System.Buffers.SearchValues<char> BidiControls = System.Buffers.SearchValues.Create(
        "\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");
}
