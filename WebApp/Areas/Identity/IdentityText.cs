namespace WebApp.Areas.Identity;

/// <summary>
/// Texts of the account pages (Areas/Identity/Pages: titles, sentences, buttons and status messages), in
/// <c>IdentityText.resx</c>, <c>.ja.resx</c> and <c>.zh-Hans.resx</c>; the English text is the key. Views get it as
/// <c>T</c> (and <c>H</c> for sentences holding a link) from the area's _ViewImports.
/// </summary>
public sealed class IdentityText;
