namespace WebApp.Auth;

/// <summary>
/// Texts of accounts' errors: <see cref="LocalizedIdentityErrorDescriber"/>'s and those <see cref="AppUserManager"/>
/// adds (display name taken, an email that would show nothing), in <c>AuthText.resx</c>, <c>.ja.resx</c> and
/// <c>.zh-Hans.resx</c>; the English text is the key.
/// </summary>
public sealed class AuthText;
