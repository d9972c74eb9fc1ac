using System.Net;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// The <c>tz</c> cookie (the reader's IANA zone, remembered by local-time.js) decides how the server words times.
/// It is input like any other: whatever a client puts there, the page answers 200, never echoes it, and shows UTC
/// unless the value is a zone name this server knows.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class ReaderTimeZoneTests(ChatServer server)
{
    public static TheoryData<string> HostileZones => new()
    {
        "../../../../etc/localtime",          // a real TZif file, by path traversal out of the zoneinfo folder
        "/etc/localtime",                      // an absolute path
        "Europe/../../../../etc/localtime",
        "Europe/Nowhere",                      // well formed, unknown
        "<script>alert(1)</script>",
        "Asia/Tokyo\0",
        "Asia/Tokyo\r\nSet-Cookie: x=1",
        new string('A', 4000),
        "",
        "Ａｓｉａ/Ｔｏｋｙｏ",                   // fullwidth look-alike
    };

    private async Task<(SiteClient Person, string Slug)> RoomWithAMessageAsync()
    {
        var person = server.NewVisitor();
        var slug = await person.SignUpWithRoomAsync("Zones " + Guid.NewGuid().ToString("N")[..6]);
        using var socket = await person.ConnectAsync(slug);
        await socket.SendMessageAsync("what time is it");
        await socket.ReceiveTextAsync();
        return (person, slug);
    }

    [Theory]
    [MemberData(nameof(HostileZones))]
    public async Task A_zone_cookie_that_is_not_a_known_zone_name_shows_utc_and_is_never_echoed(string zone)
    {
        var (person, slug) = await RoomWithAMessageAsync();
        using var _ = person;
        person.Cookies.Add(server.BaseAddress, new Cookie("tz", Uri.EscapeDataString(zone)));

        var response = await person.Http.GetAsync($"/rooms/{slug}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(" UTC</time>", html);
        Assert.DoesNotContain("data-local=", html);
        if (zone.Length > 0) Assert.DoesNotContain(zone, html);
    }

    [Theory]
    [InlineData("Asia/Tokyo")]
    [InlineData("America/Argentina/Buenos_Aires")]
    [InlineData("America/Port-au-Prince")]
    [InlineData("UTC")]
    public async Task A_known_zone_name_words_times_in_that_zone(string zone)
    {
        var (person, slug) = await RoomWithAMessageAsync();
        using var _ = person;
        person.Cookies.Add(server.BaseAddress, new Cookie("tz", Uri.EscapeDataString(zone)));

        var html = await person.Http.GetStringAsync($"/rooms/{slug}");

        Assert.Contains($"data-local=\"{zone}\"", html);
        Assert.DoesNotContain(" UTC</time>", html);
    }
}
