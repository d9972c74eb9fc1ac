using Microsoft.AspNetCore.Identity;

namespace WebApp.Data;

public sealed class AppUser : IdentityUser
{
    public const int DisplayNameMaxLength = 64;

    /// <summary>The name others see; null means "derive it from the email".</summary>
    public string? DisplayName { get; set; }

    /// <summary>
    /// <see cref="UserText.Key"/> of <see cref="EffectiveDisplayName"/> (set or derived), which invites and mentions
    /// by name compare; unique (a unique index), so nobody can take anybody's name in any form; kept current by
    /// AppUserManager on every create and update. Null only in rows older than the column, until the start-up backfill.
    /// </summary>
    public string? NormalizedDisplayName { get; set; }

    /// <summary>When the account was registered (UTC); null for accounts older than the column.</summary>
    public DateTime? CreatedAt { get; set; }

    /// <summary>
    /// The language the person chose in the language menu, a BCP 47 tag of a supported culture (<c>ja</c>); null until
    /// they choose, when the culture cookie or <c>Accept-Language</c> decides. Mail to them is in this language.
    /// </summary>
    [System.ComponentModel.DataAnnotations.MaxLength(CultureMaxLength)]
    public string? Culture { get; set; }

    /// <summary>The longest <see cref="Culture"/> stored, in UTF-16 code units.</summary>
    public const int CultureMaxLength = 16;

    public string EffectiveDisplayName => NameFor(DisplayName, Email ?? UserName);

    /// <summary>The display name, or the part of the email before "@" when none is set or the set one shows nothing.</summary>
    public static string NameFor(string? displayName, string? email)
    {
        if (UserText.IsVisible(displayName)) return displayName!.Trim();
        if (string.IsNullOrEmpty(email)) return "someone";
        var at = email.IndexOf('@');
        var local = at > 0 ? email[..at] : email;
        return UserText.IsVisible(local) ? local : "someone";
    }
}
