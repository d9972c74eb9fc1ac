using Microsoft.AspNetCore.Identity;

namespace WebApp.Data;

public sealed class AppUser : IdentityUser
{
    public const int DisplayNameMaxLength = 64;

    /// <summary>The name others see; null means "derive it from the email".</summary>
    public string? DisplayName { get; set; }

    public string EffectiveDisplayName => NameFor(DisplayName, Email ?? UserName);

    public static string NameFor(string? displayName, string? email)
    {
        if (!string.IsNullOrWhiteSpace(displayName)) return displayName.Trim();
        if (string.IsNullOrEmpty(email)) return "someone";
        var at = email.IndexOf('@');
        return at > 0 ? email[..at] : email;
    }
}
