using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Auth;

/// <summary>
/// Every change Identity makes to a user (password, security stamp, lockout, profile) passes through
/// <see cref="UpdateUserAsync"/>; this is where open sockets learn that their authorization may be gone, and where
/// <see cref="AppUser.NormalizedDisplayName"/> is kept current. Emails and user names are normalized by
/// <see cref="UserText.Key"/>, the rule every other lookup of user text uses.
/// </summary>
public sealed class AppUserManager(
    IUserStore<AppUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<AppUser> passwordHasher,
    IEnumerable<IUserValidator<AppUser>> userValidators,
    IEnumerable<IPasswordValidator<AppUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<AppUser>> logger,
    IRevocationBus revocations)
    : UserManager<AppUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    public override string? NormalizeName(string? name) => name is null ? null : UserText.Key(name);

    public override string? NormalizeEmail(string? email) => email is null ? null : UserText.Key(email);

    /// <summary>
    /// Registration: the email's part before "@" becomes the first display name, so an email with control
    /// characters, or whose name would show nothing, is refused (code InvalidEmail, as Identity's own check).
    /// </summary>
    public override async Task<IdentityResult> CreateAsync(AppUser user)
    {
        var email = UserText.Clean(user.Email, UserTextShape.Line);
        string? problem = null;
        if (email.Problem is UserTextProblem.ControlCharacter or UserTextProblem.LoneSurrogate)
        {
            problem = email.Reason;
        }
        else if (user.Email is { } address && !UserText.IsVisible(address.Split('@')[0]))
        {
            problem = "The part of the email before @ is your first display name, and it would show nothing.";
        }
        else if (user.Email is { } spoofable && HasInvisibleCharacter(spoofable))
        {
            // Any script is welcome, but an address must not hold what cannot be seen: two addresses that look
            // the same would then be two accounts (or one, after the lookup key drops the invisible part).
            problem = "An email address cannot contain invisible characters (zero-width or format characters, fillers, or a combining mark with nothing to combine with).";
        }
        if (problem is not null)
        {
            Logger.LogInformation("Registration refused: {Reason}", problem);
            return IdentityResult.Failed(new IdentityError { Code = "InvalidEmail", Description = problem });
        }
        user.NormalizedDisplayName = UserText.Key(user.EffectiveDisplayName);
        return await base.CreateAsync(user);
    }

    /// <summary>True when a rune is neither visible on its own nor a combining mark (Mn, Mc, Me) right after a visible one.</summary>
    private static bool HasInvisibleCharacter(string text)
    {
        var afterVisible = false;
        foreach (var rune in text.EnumerateRunes())
        {
            var combining = Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
            if (combining && afterVisible) continue;
            if (!UserText.IsVisible(rune)) return true;
            afterVisible = true;
        }
        return false;
    }

    protected override async Task<IdentityResult> UpdateUserAsync(AppUser user)
    {
        user.NormalizedDisplayName = UserText.Key(user.EffectiveDisplayName);
        var result = await base.UpdateUserAsync(user);
        if (result.Succeeded)
        {
            var lockedOut = SupportsUserLockout && user.LockoutEnabled && user.LockoutEnd > DateTimeOffset.UtcNow;
            await revocations.RevokeAsync(RevocationSignal.UserChanged(user.Id, SocketTokens.StampHash(user.SecurityStamp), lockedOut));
        }
        return result;
    }

    public override async Task<IdentityResult> DeleteAsync(AppUser user)
    {
        var result = await base.DeleteAsync(user);
        if (result.Succeeded)
        {
            await revocations.RevokeAsync(RevocationSignal.UserDeleted(user.Id));
        }
        return result;
    }
}
