namespace WebApp.Pages;

/// <summary>
/// The texts of the site's frame (layout, language menu) and its pages outside the room (home, people, status,
/// error), in <c>SiteText.resx</c> (English, also the keys), <c>SiteText.ja.resx</c> and <c>SiteText.zh-Hans.resx</c>.
/// </summary>
public sealed class SiteText;
