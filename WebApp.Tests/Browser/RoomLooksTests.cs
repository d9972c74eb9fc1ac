using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// The room page of the published build, light and dark, on a desktop and a phone: the colour scheme follows the
/// system's, nothing overflows the screen sideways, and each view is saved as a picture
/// (<c>screenshots/docs/room-{desktop|phone}-{light|dark}.png</c> beside the test assembly; the ones in
/// <c>docs/screenshots/</c> were copied from there).
/// </summary>
[Collection(PublishedSiteCollection.Name)]
public sealed class RoomLooksTests(PublishedSiteServers servers, ChromiumBrowser chromium)
{
    [Theory]
    [InlineData(false, ColorScheme.Light)]
    [InlineData(false, ColorScheme.Dark)]
    [InlineData(true, ColorScheme.Light)]
    [InlineData(true, ColorScheme.Dark)]
    public Task The_room_follows_the_colour_scheme_and_fits_the_screen(bool phone, ColorScheme scheme) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(The_room_follows_the_colour_scheme_and_fits_the_screen)}-{phone}-{scheme}", async pages =>
        {
            var site = servers.DirectAddress;
            using var alice = new SiteClient(site);
            using var bob = new SiteClient(site);
            var slug = await alice.SignUpBothWithRoomAsync(bob, "Design review 設計レビュー");
            await alice.SetDisplayNameAsync($"Aiko {Guid.NewGuid().ToString("N")[..4]}");
            var bobName = $"Bo {Guid.NewGuid().ToString("N")[..4]}";
            await bob.SetDisplayNameAsync(bobName);
            using (var aliceSocket = await alice.ConnectAsync(slug))
            using (var bobSocket = await bob.ConnectAsync(slug))
            {
                foreach (var (socket, text) in new[]
                {
                    (aliceSocket, "Morning! The new layout is up on staging."),
                    (aliceSocket, "Notes are at https://example.com/review/42"),
                    (bobSocket, $"Looks good. 明日の会議で話しましょう。"),
                    (aliceSocket, $"@{bobName} can you check the phone view?"),
                    (bobSocket, "On it."),
                })
                {
                    var clientId = Guid.NewGuid().ToString("N");
                    await socket.SendMessageAsync(text, clientId);
                    while (!(await socket.ReceiveTextAsync()).Contains($"data-client-id=\"{clientId}\"", StringComparison.Ordinal)) { }
                }
            }

            var page = await chromium.NewPageAsAsync(bob, new()
            {
                ColorScheme = scheme,
                ViewportSize = phone ? new() { Width = 390, Height = 844 } : new() { Width = 1280, Height = 800 },
                HasTouch = phone,
                IsMobile = phone,
            }, pages);
            await page.GotoAsync($"/rooms/{Uri.EscapeDataString(slug)}");
            await new RoomPage(page).WaitUntilLiveAsync();

            var background = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
            var dark = await page.EvaluateAsync<bool>("() => matchMedia('(prefers-color-scheme: dark)').matches");
            Assert.Equal(scheme == ColorScheme.Dark, dark);
            var channels = System.Text.RegularExpressions.Regex.Matches(background, @"\d+").Take(3).Select(m => int.Parse(m.Value)).ToArray();
            Assert.True(scheme == ColorScheme.Dark ? channels.Average() < 80 : channels.Average() > 200, $"{scheme} background {background}");
            Assert.False(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > innerWidth"), "the page scrolls sideways");
            await Expect(page.Locator("#messages .mention")).ToHaveCountAsync(1);

            var directory = Path.Combine(AppContext.BaseDirectory, "screenshots", "docs");
            Directory.CreateDirectory(directory);
            await page.ScreenshotAsync(new() { Path = Path.Combine(directory, $"room-{(phone ? "phone" : "desktop")}-{scheme.ToString().ToLowerInvariant()}.png") });
        });
}
