using Microsoft.Extensions.Localization;
using WebApp.Data;

namespace WebApp.Auth;

/// <summary><see cref="CleanedText.Reason"/> in the request's UI culture, for the account pages and <see cref="AppUserManager"/>.</summary>
public static class UserTextReasons
{
    /// <summary>
    /// Why <paramref name="cleaned"/> was refused, as <see cref="CleanedText.Reason"/> words it in English (the key),
    /// translated; the offending code point is shown as <c>U+XXXX</c> in every language. "" when nothing is wrong.
    /// </summary>
    public static string Reason(this IStringLocalizer<AuthText> text, CleanedText cleaned) => cleaned.Problem switch
    {
        UserTextProblem.None => "",
        UserTextProblem.Blank => text["Nothing in this text would show."],
        UserTextProblem.ControlCharacter when cleaned.Offender is '\n' or '\r' or '\t' or 0x85 or 0x2028 or 0x2029 =>
            text["This must be one line: line breaks and tabs are not allowed."],
        UserTextProblem.ControlCharacter => text["Control characters are not allowed (U+{0} found).", cleaned.Offender.ToString("X4")],
        _ => text["The text holds half a character (U+{0}).", cleaned.Offender.ToString("X4")],
    };
}
