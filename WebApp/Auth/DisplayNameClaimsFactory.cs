using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using WebApp.Data;
using WebApp.Localization;

namespace WebApp.Auth;

/// <summary>Puts the display name and the account's language in the cookie so every page can show it without a query.</summary>
public sealed class DisplayNameClaimsFactory(UserManager<AppUser> userManager, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<AppUser>(userManager, options)
{
    public const string ClaimType = "display_name";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(ClaimType, user.EffectiveDisplayName));
        // The account's language, so each request's culture is known without a query.
        if (user.Culture is { Length: > 0 } culture) identity.AddClaim(new Claim(AccountCultureProvider.ClaimType, culture));
        return identity;
    }
}

public static class DisplayNameClaims
{
    public static string DisplayName(this ClaimsPrincipal user) =>
        user.FindFirstValue(DisplayNameClaimsFactory.ClaimType) ?? AppUser.NameFor(null, user.Identity?.Name);
}
