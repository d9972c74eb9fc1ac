using System.Globalization;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using WebApp.Localization;

namespace WebApp.Pages;

/// <summary>
/// <c>&lt;time utc="@instant"&gt;</c>: an instant shown in the reader's own time zone from the first byte, so the
/// page does not change when its scripts run. The zone is the IANA name the browser reported once in the
/// <see cref="CookieName"/> cookie (set by <c>wwwroot/js/local-time.js</c>); without it (a first visit, or a name
/// this server's tz database does not know) the time is shown in UTC and the script localizes it.
/// <para>
/// Output: <c>&lt;time datetime="2026-11-30T09:41:00.000Z" data-local="Europe/Berlin" title="2026-11-30 10:41"&gt;10:41&lt;/time&gt;</c>.
/// <c>datetime</c> is the instant in UTC (HTML's "global date and time string"); <c>data-local</c> names the zone
/// the text is in (absent for UTC), and the script re-renders any element whose zone is not the browser's. The
/// wording is the reader's culture's and must match local-time.js's (which formats with the browser's
/// <c>Intl.DateTimeFormat</c> in <c>&lt;html lang&gt;</c>): see <see cref="Patterns"/>; the title is always
/// "yyyy-MM-dd HH:mm" in every language.
/// </para>
/// </summary>
[HtmlTargetElement("time", Attributes = "utc")]
public sealed class LocalTimeTagHelper(TimeProvider clock) : TagHelper
{
    /// <summary>The cookie holding the reader's IANA time zone name, e.g. <c>Asia/Tokyo</c>.</summary>
    public const string CookieName = "tz";

    /// <summary>The instant; a <see cref="DateTimeKind.Unspecified"/> value is taken as UTC (how EF Core reads it back).</summary>
    [HtmlAttributeName("utc")]
    public DateTime Utc { get; set; }

    /// <summary>What to show: a message's moment (default) or a calendar date.</summary>
    [HtmlAttributeName("format")]
    public TimeFormat Format { get; set; } = TimeFormat.Moment;

    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var utc = DateTime.SpecifyKind(Utc, DateTimeKind.Utc);
        var zone = ReaderZone(ViewContext.HttpContext);
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone ?? TimeZoneInfo.Utc);
        var today = TimeZoneInfo.ConvertTimeFromUtc(clock.GetUtcNow().UtcDateTime, zone ?? TimeZoneInfo.Utc).Date;
        var culture = CultureInfo.CurrentCulture;
        var patterns = Patterns(culture);
        var text = Format switch
        {
            TimeFormat.Date => local.ToString(patterns.Date, culture),
            TimeFormat.Day => local.ToString(patterns.Day, culture),
            _ when local.Date == today => local.ToString("HH:mm", culture),
            _ => local.ToString(patterns.Moment, culture),
        };
        output.Attributes.SetAttribute("datetime", utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        output.Attributes.SetAttribute("title", local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + (zone is null ? " UTC" : ""));
        if (zone is not null) output.Attributes.SetAttribute("data-local", zone.Id);
        if (Format != TimeFormat.Moment) output.Attributes.SetAttribute("data-format", Format == TimeFormat.Date ? "date" : "day");
        output.Content.SetContent(zone is null && Format == TimeFormat.Moment ? text + " UTC" : text);
    }

    /// <summary>
    /// The .NET patterns (custom date and time format strings) of each format in <paramref name="culture"/>'s language,
    /// written to give exactly what <c>Intl.DateTimeFormat</c> (ECMA-402, CLDR data) gives for local-time.js's options,
    /// so the page does not change when the script runs. A moment today is "HH:mm" in every language.
    /// <list type="table">
    /// <listheader><term>language</term><description>moment (not today) · date · day</description></listheader>
    /// <item><term>en</term><description>"Nov 30, 10:28" · "Nov 30, 2026" · "Monday, November 30, 2026"</description></item>
    /// <item><term>ja</term><description>"11月30日 10:28" · "2026年11月30日" · "2026年11月30日月曜日"</description></item>
    /// <item><term>zh-Hans</term><description>"11月30日 10:28" · "2026年11月30日" · "2026年11月30日星期一"</description></item>
    /// </list>
    /// </summary>
    public static (string Moment, string Date, string Day) Patterns(CultureInfo culture) => SiteCultures.Find(culture.Name) switch
    {
        // CJK calendars write year, month and day with their own characters and no spaces, the weekday last.
        "ja" or "zh-Hans" => ("M月d日 HH:mm", "yyyy年M月d日", "yyyy年M月d日dddd"),
        _ => ("MMM d, HH:mm", "MMM d, yyyy", "dddd, MMMM d, yyyy"),
    };

    /// <summary>Renders <paramref name="http"/>'s times in <paramref name="zone"/> as if its cookie named it (null: UTC, no cookie).</summary>
    public static void SetReaderZone(HttpContext http, TimeZoneInfo? zone) => http.Items[typeof(LocalTimeTagHelper)] = zone;

    /// <summary>The zone named by the reader's cookie, or null when there is none or the name is unknown here.</summary>
    public static TimeZoneInfo? ReaderZone(HttpContext http)
    {
        if (http.Items.TryGetValue(typeof(LocalTimeTagHelper), out var known)) return known as TimeZoneInfo;
        TimeZoneInfo? zone = null;
        // .NET refuses what is not a zone of the system's tz database (paths out of it included, tested by
        // ReaderTimeZoneTests): any other value is shown as UTC.
        if (http.Request.Cookies[CookieName] is { Length: > 0 } name && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var found))
        {
            zone = found;
        }
        http.Items[typeof(LocalTimeTagHelper)] = zone;
        return zone;
    }
}

/// <summary>How a <see cref="LocalTimeTagHelper"/> shows its instant.</summary>
public enum TimeFormat
{
    /// <summary>"HH:mm" today, else the culture's month, day and time ("MMM d, HH:mm" in English): when a message was sent or a room was last active.</summary>
    Moment,

    /// <summary>The culture's calendar date ("MMM d, yyyy" in English), e.g. when an account was created.</summary>
    Date,

    /// <summary>The culture's day with its weekday ("dddd, MMMM d, yyyy" in English): the day a stretch of messages was sent, above them.</summary>
    Day,
}
