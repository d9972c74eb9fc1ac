using Microsoft.AspNetCore.Localization;

namespace WebApp.Localization;

/// <summary>
/// The language a signed-in person chose for their account, read from the <see cref="ClaimType"/> claim of their
/// sign-in cookie (so no query per request). It comes first; the culture cookie and <c>Accept-Language</c> follow.
/// </summary>
public sealed class AccountCultureProvider : RequestCultureProvider
{
    /// <summary>The claim holding the account's language: OpenID Connect Core 1.0 §5.1 <c>locale</c>, a BCP 47 tag.</summary>
    public const string ClaimType = "locale";

    public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
    {
        var chosen = SiteCultures.Find(httpContext.User.FindFirst(ClaimType)?.Value);
        return Task.FromResult(chosen is null ? null : new ProviderCultureResult(chosen));
    }
}
