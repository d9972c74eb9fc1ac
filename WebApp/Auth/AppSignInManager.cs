using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Auth;

/// <summary>
/// Identity's sign-in with three changes: every password check counts toward lockout (Identity UI's login page
/// passes <c>lockoutOnFailure: false</c>); each browser sign-in gets a session id that its socket tokens carry;
/// and signing out closes that session's sockets.
/// </summary>
public sealed class AppSignInManager(
    UserManager<AppUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<AppUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<AppUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<AppUser> confirmation,
    IRevocationBus revocations)
    : SignInManager<AppUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    /// <summary>The cookie claim naming one browser's sign-in.</summary>
    public const string SessionClaim = "sid";

    public override Task<SignInResult> CheckPasswordSignInAsync(AppUser user, string password, bool lockoutOnFailure) =>
        base.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);

    /// <summary>A new sign-in starts a session; refreshing the same user's cookie (profile or password change) keeps it.</summary>
    public override Task SignInWithClaimsAsync(AppUser user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
    {
        var current = Context.User;
        var sessionId = current.FindFirstValue(ClaimTypes.NameIdentifier) == user.Id ? current.FindFirstValue(SessionClaim) : null;
        var claims = additionalClaims.Append(new Claim(SessionClaim, sessionId ?? Guid.NewGuid().ToString("N")));
        return base.SignInWithClaimsAsync(user, authenticationProperties, claims);
    }

    public override async Task SignOutAsync()
    {
        var userId = Context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        var sessionId = Context.User.FindFirstValue(SessionClaim);
        await base.SignOutAsync();
        if (userId is not null && sessionId is not null) await revocations.RevokeAsync(RevocationSignal.SignedOut(userId, sessionId));
    }
}
