using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

[Collection(ChatServerCollection.Name)]
public sealed class SecurityInBrowserTests(ChatServer server, ChromiumBrowser chromium)
{
    private const string MessagePayload = "<script>window.xssFired=1</script><img src=x onerror=\"window.xssFired=1\"> & done";
    private const string NamePayload = "\"><img src=x onerror=window.xssFired=1>";
    private const string RoomPayload = "x\" onfocus=\"xssFired=1\" <svg onload=xssFired=1>";

    [Fact]
    public Task Markup_in_messages_names_and_room_names_is_shown_as_text_and_never_runs() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Markup_in_messages_names_and_room_names_is_shown_as_text_and_never_runs), async pages =>
        {
            var cspViolations = new List<string>();
            var dialogs = 0;
            async Task<IPage> PersonAsync(string who)
            {
                var page = await chromium.NewPersonAsync(server.BaseAddress);
                pages.Add(page);
                page.Console += (_, message) => { if (message.Text.Contains("Content Security Policy")) cspViolations.Add(message.Text); };
                page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
                await new AccountPages(page).RegisterAsync(SiteClient.NewEmail(who), SiteClient.Password);
                return page;
            }

            var attackerPage = await PersonAsync("attacker");
            var victimPage = await PersonAsync("victim");
            await new AccountPages(attackerPage).SetDisplayNameAsync(NamePayload);
            var slug = await new HomePage(attackerPage).CreateRoomAsync(RoomPayload);
            var attacker = new RoomPage(attackerPage);
            await attacker.WaitUntilLiveAsync();
            var victim = new RoomPage(victimPage);
            await victim.OpenAsync(slug);

            await attacker.SendWithEnterAsync(MessagePayload);
            await Expect(victim.Messages).ToHaveCountAsync(1);
            await victimPage.ReloadAsync();
            await victim.WaitUntilLiveAsync();
            await new HomePage(victimPage).OpenAsync();
            await Expect(victimPage.Locator("#room-list")).ToContainTextAsync(RoomPayload);
            await victimPage.GoBackAsync();
            await victim.WaitUntilLiveAsync();

            foreach (var page in pages)
            {
                var room = new RoomPage(page);
                await Expect(page.Locator("#messages .message-text")).ToHaveTextAsync(MessagePayload);
                await Expect(page.Locator("#messages .message-author")).ToHaveTextAsync(NamePayload);
                await Expect(page.Locator("#room-title")).ToContainTextAsync(RoomPayload);
                Assert.Equal(0, await page.Locator("#room img, #room svg, #room script").CountAsync());
                Assert.False(await room.Composer.EvaluateAsync<bool>("e => e.hasAttribute('onfocus')"));
                Assert.True(await page.EvaluateAsync<bool>("() => window.xssFired === undefined"));
            }
            Assert.Equal(0, dialogs);
            Assert.Empty(cspViolations);
        });

    [Fact]
    public Task A_page_on_another_origin_cannot_open_a_socket_even_with_a_stolen_token() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(A_page_on_another_origin_cannot_open_a_socket_even_with_a_stolen_token), async pages =>
        {
            using var victim = server.NewVisitor();
            var slug = await victim.SignUpWithRoomAsync("Hijack target");
            var socketUrl = victim.SocketUri(slug).ToString();

            // The attacker's site: another web server on another loopback port, so another origin.
            var attackerSite = WebApplication.CreateSlimBuilder();
            attackerSite.WebHost.UseUrls("http://127.0.0.1:0");
            await using var attacker = attackerSite.Build();
            attacker.MapGet("/", () => Results.Content("<h1>Totally harmless</h1>", "text/html"));
            await attacker.StartAsync();

            var page = await chromium.NewPersonAsync(server.BaseAddress);
            pages.Add(page);
            await page.GotoAsync(attacker.Urls.First() + "/");
            var fromAttacker = await TryOpenSocketAsync(page, socketUrl, (await victim.SocketTokenAsync(slug)).Token);

            // The same script on the site's own origin does connect, so the refusal above is the origin check.
            await page.GotoAsync("/");
            var fromSite = await TryOpenSocketAsync(page, socketUrl, (await victim.SocketTokenAsync(slug)).Token);

            Assert.Equal("closed 1006", fromAttacker);
            Assert.Equal("open", fromSite);
            Assert.Contains(server.Logs.Lines, line => line.Contains("origin not allowed"));
        });

    private static Task<string> TryOpenSocketAsync(IPage page, string url, string token) =>
        page.EvaluateAsync<string>("""
            ([url, token]) => new Promise(resolve => {
                const socket = new WebSocket(url, ['chat.v1', 'bearer.' + token]);
                socket.onopen = () => { resolve('open'); socket.close(); };
                socket.onclose = (event) => resolve('closed ' + event.code);
            })
            """, new[] { url, token });
}
