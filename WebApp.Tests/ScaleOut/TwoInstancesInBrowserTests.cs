using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.ScaleOut;

/// <summary>People in one room through two instances of the site, in real browsers.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed partial class TwoInstancesInBrowserTests(ScaleOutServers servers, ChromiumBrowser chromium)
{
    [Fact]
    public Task A_browser_on_each_instance_chats_and_signing_out_on_one_closes_the_socket_on_the_other() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(A_browser_on_each_instance_chats_and_signing_out_on_one_closes_the_socket_on_the_other), async pages =>
        {
            var (a, b) = await TwoInstances.StartAsync(servers);
            await using var siteA = a;
            await using var siteB = b;
            var alicePage = await chromium.NewPersonAsync(siteA.BaseAddress);
            var bobPage = await chromium.NewPersonAsync(siteB.BaseAddress);
            pages.AddRange([alicePage, bobPage]);
            await new AccountPages(alicePage).RegisterAsync(SiteClient.NewEmail("alice"), SiteClient.Password);
            await new AccountPages(bobPage).RegisterAsync(SiteClient.NewEmail("bob"), SiteClient.Password);
            var slug = await new HomePage(alicePage).CreateRoomAsync("Two instances");
            var alice = new RoomPage(alicePage);
            var bob = new RoomPage(bobPage);
            await alice.WaitUntilLiveAsync();
            await bob.OpenAsync(slug);
            await bob.WaitUntilLiveAsync();

            await alice.SendWithEnterAsync("hello from instance A");
            await Expect(bob.MessageWithText("hello from instance A")).ToBeVisibleAsync();
            await bob.SendWithEnterAsync("hello from instance B");
            await Expect(alice.MessageWithText("hello from instance B")).ToBeVisibleAsync();
            await Expect(alicePage.Locator("#presence .presence-count")).ToHaveTextAsync("2 online");
            await Expect(bobPage.Locator("#presence .presence-count")).ToHaveTextAsync("2 online");

            // Alice's same browser session in a second tab, on instance B (one host, so one cookie jar).
            var aliceOnB = await alicePage.Context.NewPageAsync();
            pages.Add(aliceOnB);
            await aliceOnB.GotoAsync(new Uri(siteB.BaseAddress, $"/rooms/{slug}").ToString());
            await new RoomPage(aliceOnB).WaitUntilLiveAsync();

            await new AccountPages(alicePage).SignOutAsync();
            // B closes that tab's socket (4001); its token request then answers 401 and the page goes to sign-in.
            await Expect(aliceOnB).ToHaveURLAsync(LoginPage(), new() { Timeout = 10_000 });
            await Expect(bob.Status).ToHaveAttributeAsync("data-state", "live");
        });

    [GeneratedRegex("/Identity/Account/Login")]
    private static partial Regex LoginPage();
}
