using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// Who is online arrives as changes the page applies itself (chat.js): a display name is user content, so whatever
/// it holds (markup, quotes, entities, right-to-left text, the longest allowed) it is shown as text, isolated, in the
/// store's order, with the separators drawn around it, and goes again when the person leaves.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class PresenceChangesTests(ChatServer server, ChromiumBrowser chromium)
{
    public static TheoryData<string> HostileNames => new()
    {
        "<img src=x onerror=alert(1)>",
        "</bdi></li><script>alert(1)</script>",
        "\"quoted' & <b>bold</b> &amp;",
        "\u202Eשלום עולם",
        "<!-- comment --> ${alert(1)} {{x}}",
        new string('W', 55),
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public Task A_name_that_joins_and_leaves_stays_text_in_the_list(string hostile) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(A_name_that_joins_and_leaves_stays_text_in_the_list), async pages =>
        {
            // Display names are unique site-wide: each run's is its own, within the 64-character limit.
            var name = $"{hostile} {Guid.NewGuid():N}"[..Math.Min(64, hostile.Length + 9)];
            var alice = await chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail("alice"));
            var dialogs = 0;
            alice.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
            var aliceName = (await alice.Locator("#account-link").TextContentAsync())!.Trim();
            var slug = await new HomePage(alice).CreateRoomAsync("Names are text");
            await new RoomPage(alice).WaitUntilLiveAsync();
            await Expect(alice.Locator("#presence .presence-count")).ToHaveTextAsync("1 online");

            using var guest = server.NewVisitor();
            await guest.RegisterAsync(SiteClient.NewEmail("guest"));
            await guest.SetDisplayNameAsync(name);
            using (var socket = await guest.ConnectAsync(slug))
            {
                await Expect(alice.Locator("#presence .presence-count")).ToHaveTextAsync("2 online");
                var store = PresenceView.NamesOf(await guest.Http.GetStringAsync($"/rooms/{slug}"), "presence-name").ToList();
                Assert.Contains(name, store);
                Assert.Equal(store, await ShownNamesAsync(alice));
                // Text only: no element came out of a name, each name is an isolate, and the separator is drawn
                // before the second one, outside its isolate.
                Assert.Equal(0, await alice.Locator("#presence img, #presence script, #presence b, #presence .presence-name *").CountAsync());
                Assert.Equal(["isolate", "isolate"], await alice.EvaluateAsync<string[]>(
                    "() => [...document.querySelectorAll('#presence .presence-name')].map(n => getComputedStyle(n).unicodeBidi)"));
                Assert.Equal("\", \"", await alice.EvaluateAsync<string>(
                    "() => getComputedStyle(document.querySelectorAll('#presence .presence-names > li')[1], '::before').content"));
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
            }
            await Expect(alice.Locator("#presence .presence-count")).ToHaveTextAsync("1 online");
            Assert.Equal([aliceName], await ShownNamesAsync(alice));
            Assert.Equal(0, dialogs);
        });

    private static async Task<List<string>> ShownNamesAsync(IPage page) =>
        [.. await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#presence .presence-name')].map(n => n.textContent)")];
}
