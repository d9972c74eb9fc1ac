using Microsoft.Extensions.Localization;

namespace WebApp.Localization;

/// <summary>Counted texts ("1 member", "2 members") in the reader's language.</summary>
public static class Plurals
{
    /// <summary>
    /// <paramref name="one"/> or <paramref name="other"/> (resource keys holding <c>{0}</c> for the count), chosen by
    /// the CLDR plural rules (Unicode TR35, Part 3 "Language Plural Rules"): English has "one" for exactly 1 (an
    /// integer, no visible fraction digits: <c>i = 1 and v = 0</c>) and "other" for everything else, 0 included;
    /// Japanese and Chinese have only "other", so their resources translate both keys alike and the choice does not
    /// matter. The count is formatted in the current culture.
    /// </summary>
    /// <param name="arguments">What fills the placeholders when there is more than the count (then the count is one of them); none: <c>{0}</c> is the count.</param>
    public static LocalizedString Plural(this IStringLocalizer localizer, long count, string one, string other, params object[] arguments) =>
        localizer[count == 1 ? one : other, arguments.Length == 0 ? [count] : arguments];
}
