using System.Globalization;
using System.Text;
using WebApp.Data;

namespace WebApp.Tests.Data;

/// <summary>The rules for text people type, one theory row per kind of character (issue 11, items 2-4).</summary>
public sealed class UserTextTests
{
    /// <summary>Every row shows nothing, whatever the shape. \U escapes are characters beyond the BMP (surrogate pairs).</summary>
    public static TheoryData<string> Blank => new()
    {
        "", " ", "   ", "\u00A0", "\u1680", "\u2000\u2001\u2002\u200A", "\u202F", "\u205F", "\u3000",
        "\u200B", "\u200C", "\u200D", "\u200E", "\u200F", "\u200B\u200B",
        "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\u2066\u2069", "\u202A\u202C", "\u202E",
        "\uFEFF", "\u180E", "\u034F", "\u00AD", "\u061C", "\u17B4",
        "\uFE00", "\uFE0F", "\U000E0100", "\U000E01EF",
        "\U000E0001", "\U000E0020", "\U000E0041\U000E007F", "\U0001D173", "\U0001D17A", "\U0001BCA0",
        "\u115F", "\u1160", "\u3164", "\uFFA0", "\u2800", "\u3164\u3164",
        "\u0301", "\u0301\u0308", "\u0903", "\u20DD", "\u0489",
        " \u200B \u0301 \uFEFF ",
    };

    [Theory]
    [MemberData(nameof(Blank))]
    public void Text_that_shows_nothing_is_blank_in_messages_and_names(string text)
    {

        Assert.Equal(UserTextProblem.Blank, UserText.Clean(text, UserTextShape.Lines).Problem);
        Assert.Equal(UserTextProblem.Blank, UserText.Clean(text, UserTextShape.Line).Problem);
        Assert.False(UserText.IsVisible(text));
    }

    [Theory]
    [InlineData("\t")]
    [InlineData("\n")]
    [InlineData("\r\n\t ")]
    [InlineData("\u2028\u2029\u0085")]
    [InlineData("\n\u200B\n")]
    public void Line_breaks_and_tabs_alone_are_a_blank_message(string text)
    {
        Assert.Equal(UserTextProblem.Blank, UserText.Clean(text, UserTextShape.Lines).Problem);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("\u200Ba\u200B")]
    [InlineData("e\u0301")]
    [InlineData("\u3164x")]
    [InlineData("日本語")]
    [InlineData("\U0001F600")]
    [InlineData("\u2801")]
    [InlineData("\u202Ereversed")]
    [InlineData(".")]
    public void Text_with_one_visible_character_is_kept(string text)
    {

        var cleaned = UserText.Clean(text, UserTextShape.Line);

        Assert.True(cleaned.IsValid, cleaned.Reason);
        Assert.Equal(text, cleaned.Text);
    }

    /// <summary>Every C0 and C1 control but LF and TAB (and CR, NEL, which become LF) is refused in a message.</summary>
    public static TheoryData<int> RefusedInMessages()
    {
        var data = new TheoryData<int>();
        for (var c = 0; c <= 0x9F; c++)
        {
            if (c is >= 0x20 and < 0x7F || c is '\n' or '\t' or '\r' or 0x85) continue;
            data.Add(c);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RefusedInMessages))]
    public void Control_characters_are_refused_in_messages_and_names(int control)
    {
        var text = "before" + (char)control + "after";

        var message = UserText.Clean(text, UserTextShape.Lines);
        var name = UserText.Clean(text, UserTextShape.Line);

        Assert.Equal(UserTextProblem.ControlCharacter, message.Problem);
        Assert.Equal(control, message.Offender);
        Assert.Contains($"U+{control:X4}", message.Reason);
        Assert.Equal(UserTextProblem.ControlCharacter, name.Problem);
    }

    [Theory]
    [InlineData("one\r\ntwo", "one\ntwo")]
    [InlineData("one\rtwo", "one\ntwo")]
    [InlineData("one\r\rtwo", "one\n\ntwo")]
    [InlineData("one\r\n\ntwo", "one\n\ntwo")]
    [InlineData("one\u0085two", "one\ntwo")]
    [InlineData("one\u2028two", "one\ntwo")]
    [InlineData("one\u2029two", "one\ntwo")]
    [InlineData("one\ttwo", "one\ttwo")]
    [InlineData("\r\n  hello \u2028", "hello")]
    public void Every_line_break_in_a_message_becomes_a_line_feed(string text, string stored)
    {
        var cleaned = UserText.Clean(text, UserTextShape.Lines);

        Assert.True(cleaned.IsValid, cleaned.Reason);
        Assert.Equal(stored, cleaned.Text);
    }

    [Theory]
    [InlineData("one\ntwo")]
    [InlineData("one\r\ntwo")]
    [InlineData("one\rtwo")]
    [InlineData("one\u0085two")]
    [InlineData("one\u2028two")]
    [InlineData("one\u2029two")]
    [InlineData("one\ttwo")]
    public void Names_are_one_line(string text)
    {
        var cleaned = UserText.Clean(text, UserTextShape.Line);

        Assert.Equal(UserTextProblem.ControlCharacter, cleaned.Problem);
        Assert.Contains("one line", cleaned.Reason);
    }

    /// <summary>Code units, not strings: xunit would carry a lone surrogate through UTF-8 and turn it into U+FFFD.</summary>
    [Theory]
    [InlineData(0xD800)]
    [InlineData(0xDBFF)]
    [InlineData(0xDC00)]
    [InlineData(0xDFFF)]
    public void Lone_surrogates_are_refused(int surrogate)
    {
        Assert.Equal(UserTextProblem.LoneSurrogate, UserText.Clean("a" + (char)surrogate + "b", UserTextShape.Lines).Problem);
        Assert.Equal(UserTextProblem.LoneSurrogate, UserText.Clean("" + (char)surrogate, UserTextShape.Line).Problem);
    }

    /// <summary>ICU is really there: with InvariantGlobalization on, Normalize returns non-ASCII text unchanged.</summary>
    [Theory]
    [InlineData("ｂｏｂ", "BOB")]
    [InlineData("e\u0301", "É")]
    [InlineData("\u00E9", "É")]
    [InlineData("Zoë Ñúñez", "ZOË ÑÚÑEZ")]
    [InlineData("Zoe\u0308 N\u0303u\u0301n\u0303ez", "ZOË ÑÚÑEZ")]
    [InlineData("ﬁle", "FILE")]
    [InlineData("Ⅻ", "XII")]
    [InlineData("андрей", "АНДРЕЙ")]
    [InlineData("ΣΟΦΊΑ", "ΣΟΦΊΑ")]
    [InlineData("σοφία", "ΣΟΦΊΑ")]
    [InlineData("bob\u200B", "BOB")]
    [InlineData("b\u00ADob", "BOB")]
    public void Keys_fold_case_and_form_in_any_script(string text, string key)
    {
        Assert.Equal(key.Normalize(NormalizationForm.FormC), UserText.Key(text));
    }

    /// <summary>The server's own setting, read from the app's runtimeconfig (InvariantGlobalization in WebApp.csproj).</summary>
    [Fact]
    public void The_site_runs_with_ICU_so_normalization_happens()
    {
        var config = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "WebApp.runtimeconfig.json"));

        Assert.DoesNotContain("\"System.Globalization.Invariant\": true", config);
        Assert.Equal("\u00E9", "e\u0301".Normalize(NormalizationForm.FormC));
        Assert.Equal("BOB", "ｂｏｂ".Normalize(NormalizationForm.FormKC).ToUpperInvariant());
    }

    [Theory]
    [InlineData("\u202Eevil", "evil")]
    [InlineData("a\u2066b\u2069c\u200Ed\u200Fe\u061C", "abcde")]
    [InlineData("\u202A\u202B\u202C\u202D\u2067\u2068", "")]
    [InlineData("plain", "plain")]
    public void Bidi_controls_can_be_stripped(string text, string stripped)
    {
        Assert.Equal(stripped, UserText.WithoutBidiControls(text));
    }
}
