using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using WebApp.Chat;
using WebApp.Data;
using WebApp.ScaleOut;

namespace WebApp.Auth;

/// <summary>
/// Every change Identity makes to a user (password, security stamp, lockout, profile) passes through
/// <see cref="UpdateUserAsync"/>; this is where open sockets learn that their authorization may be gone.
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
    IChatBackplane backplane)
    : UserManager<AppUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    protected override async Task<IdentityResult> UpdateUserAsync(AppUser user)
    {
        var result = await base.UpdateUserAsync(user);
        if (result.Succeeded)
        {
            var lockedOut = SupportsUserLockout && user.LockoutEnabled && user.LockoutEnd > DateTimeOffset.UtcNow;
            await backplane.RevokeAsync(RevocationSignal.UserChanged(user.Id, SocketTokens.StampHash(user.SecurityStamp), lockedOut));
        }
        return result;
    }

    public override async Task<IdentityResult> DeleteAsync(AppUser user)
    {
        var result = await base.DeleteAsync(user);
        if (result.Succeeded)
        {
            await backplane.RevokeAsync(RevocationSignal.UserDeleted(user.Id));
        }
        return result;
    }
}
