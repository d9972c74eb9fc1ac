using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Auth;

/// <summary>
/// Every change Identity makes to a user (password, security stamp, lockout, profile) passes through
/// <see cref="UpdateUserAsync"/>; this is where open sockets learn that their authorization may be gone or that the
/// user's name changed, and where <see cref="AppUser.NormalizedDisplayName"/> is kept current and unique. Emails and
/// user names are normalized by <see cref="UserText.Key"/>, the rule every other lookup of user text uses.
/// </summary>
/// <remarks>
/// Display names are unique under that key (<c>Bob</c>, <c>ｂｏｂ</c> and <c>bob</c> are one name): a name someone
/// chooses that is taken is refused (<see cref="DuplicateDisplayNameCode"/>); a name derived from an email (at
/// registration, or when the email changes and no name was chosen) that is taken gets the first free numeric suffix
/// (<c>bob-2</c>). A unique index backs the rule against races. Its refusals are worded in the request's UI culture
/// (<see cref="AuthText"/>).
/// </remarks>
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
    IRevocationBus revocations,
    AppDbContext db,
    TimeProvider clock,
    IStringLocalizer<AuthText> text)
    : UserManager<AppUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    /// <summary>The <see cref="IdentityError.Code"/> of a chosen display name someone else has.</summary>
    public const string DuplicateDisplayNameCode = "DuplicateDisplayName";

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
        // The log reads in English whatever the person's language.
        string? reason = null;
        if (email.Problem is UserTextProblem.ControlCharacter or UserTextProblem.LoneSurrogate)
        {
            problem = text.Reason(email);
            reason = email.Reason;
        }
        else if (user.Email is { } address && !UserText.IsVisible(address.Split('@')[0]))
        {
            var refusal = text["The part of the email before @ is your first display name, and it would show nothing."];
            (problem, reason) = (refusal.Value, refusal.Name);
        }
        else if (user.Email is { } spoofable && HasInvisibleCharacter(spoofable))
        {
            // Any script is welcome, but an address must not hold what cannot be seen: two addresses that look
            // the same would then be two accounts (or one, after the lookup key drops the invisible part).
            var refusal = text["An email address cannot contain invisible characters (zero-width or format characters, fillers, or a combining mark with nothing to combine with)."];
            (problem, reason) = (refusal.Value, refusal.Name);
        }
        if (problem is not null)
        {
            Logger.LogInformation("Registration refused: {Reason}", reason);
            return IdentityResult.Failed(new IdentityError { Code = "InvalidEmail", Description = problem });
        }
        user.CreatedAt ??= clock.GetUtcNow().UtcDateTime;
        if (await ClaimDisplayNameAsync(user) is { } taken) return taken;
        try
        {
            return await base.CreateAsync(user);
        }
        catch (DbUpdateException e)
        {
            // Someone registered the same name between the check and the insert.
            if (!await IsDisplayNameTakenAsync(user)) throw;
            Logger.LogInformation(e, "Registration raced for a display name");
            db.Entry(user).State = EntityState.Detached;
            return IdentityResult.Failed(DuplicateDisplayName());
        }
    }

    /// <summary>
    /// Sets <see cref="AppUser.NormalizedDisplayName"/>; a derived name that is taken gets the first free suffix.
    /// Returns a failure when a chosen name is taken.
    /// </summary>
    private async Task<IdentityResult?> ClaimDisplayNameAsync(AppUser user)
    {
        user.NormalizedDisplayName = UserText.Key(user.EffectiveDisplayName);
        if (!await IsDisplayNameTakenAsync(user)) return null;
        if (UserText.IsVisible(user.DisplayName))
        {
            Logger.LogInformation("Display name of user {UserId} refused: taken", user.Id);
            return IdentityResult.Failed(DuplicateDisplayName());
        }
        var derived = user.EffectiveDisplayName;
        for (var n = 2; ; n++)
        {
            var candidate = $"{derived}-{n}";
            if (candidate.Length > AppUser.DisplayNameMaxLength) candidate = $"{derived[..(AppUser.DisplayNameMaxLength - $"-{n}".Length)]}-{n}";
            user.DisplayName = candidate;
            user.NormalizedDisplayName = UserText.Key(candidate);
            if (!await IsDisplayNameTakenAsync(user)) return null;
        }
    }

    private Task<bool> IsDisplayNameTakenAsync(AppUser user) =>
        db.Users.AsNoTracking().AnyAsync(other => other.Id != user.Id && other.NormalizedDisplayName == user.NormalizedDisplayName);

    private IdentityError DuplicateDisplayName() => new()
    {
        Code = DuplicateDisplayNameCode,
        Description = text["That display name is taken (names count as the same whatever their case or width). Choose another."],
    };

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
        var entry = db.Entry(user);
        var nameBefore = entry.State == EntityState.Detached ? null
            : AppUser.NameFor(entry.Property(u => u.DisplayName).OriginalValue, entry.Property(u => u.Email).OriginalValue ?? entry.Property(u => u.UserName).OriginalValue);
        if (await ClaimDisplayNameAsync(user) is { } taken) return taken;
        IdentityResult result;
        try
        {
            result = await base.UpdateUserAsync(user);
        }
        catch (DbUpdateException e)
        {
            if (!await IsDisplayNameTakenAsync(user)) throw;
            Logger.LogInformation(e, "Display name of user {UserId} raced with another", user.Id);
            entry.State = EntityState.Detached;
            return IdentityResult.Failed(DuplicateDisplayName());
        }
        if (result.Succeeded)
        {
            var name = user.EffectiveDisplayName;
            if (nameBefore is not null && nameBefore != name)
            {
                // Messages show their author's current name, in history too.
                await db.Messages.Where(m => m.AuthorId == user.Id).ExecuteUpdateAsync(set => set.SetProperty(m => m.AuthorName, name));
            }
            var lockedOut = SupportsUserLockout && user.LockoutEnabled && user.LockoutEnd > DateTimeOffset.UtcNow;
            await revocations.RevokeAsync(RevocationSignal.UserChanged(user.Id, SocketTokens.StampHash(user.SecurityStamp), lockedOut,
                nameBefore is not null && nameBefore != name ? name : null));
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
