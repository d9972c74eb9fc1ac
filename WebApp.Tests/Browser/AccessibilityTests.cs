using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// WCAG 2.2 AA on every page a person reaches, checked by axe-core in Chromium at a desktop (1280×800) and a phone
/// (390×844, touch) size, in the light and the dark colour scheme; plus what axe cannot see: the message list is a
/// polite log, a skip link comes first, every focusable thing shows a focus ring, and the "New room" form comes
/// before the rooms list.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class AccessibilityTests(ChatServer server, ChromiumBrowser chromium)
{
    private const string Account = "/Identity/Account";

    /// <summary>A room as people live in it, made over HTTP and sockets, for the browser to look at as Alice.</summary>
    private sealed record Scene(string AliceEmail, string BobId, string Slug, string PrivateSlug, long FirstSeq, IDisposable Keep);

    /// <summary>
    /// Alice and Bob chat in a public room: both post, each mentions the other, Alice edits one, Bob deletes one; Alice
    /// has read up to a point and Bob posted after it (the unread divider). Bob stays connected (the presence list).
    /// Alice also owns a private room Bob was added to (the members panel).
    /// </summary>
    private async Task<Scene> SetUpSceneAsync()
    {
        var alice = server.NewVisitor();
        var bob = server.NewVisitor();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var aliceEmail = await alice.RegisterAsync(SiteClient.NewEmail("alice"));
        var bobEmail = await bob.RegisterAsync(SiteClient.NewEmail("bob"));
        await alice.SetDisplayNameAsync($"Alice {suffix}");
        await bob.SetDisplayNameAsync($"Bob {suffix}");
        var slug = await alice.CreateRoomAsync("Accessible room");
        var privateSlug = await alice.CreateRoomAsync("Private corner", isPrivate: true);
        await alice.InviteAsync(privateSlug, bobEmail);
        var aliceId = await alice.UserIdAsync(slug);
        var bobId = await bob.UserIdAsync(slug);

        using var aliceSocket = await alice.ConnectAsync(slug);
        var bobSocket = await bob.ConnectAsync(slug);
        var (_, firstSeq) = await PostAsync(aliceSocket, "Good morning, everyone");
        await PostAsync(bobSocket, $"Morning @Alice {suffix}, did you see the plan?");
        var (typoId, _) = await PostAsync(aliceSocket, "Yes, it looks grat");
        await aliceSocket.SendJsonAsync(new { type = "edit", id = typoId, text = "Yes, it looks great" });
        await ReceiveUntilAsync(aliceSocket, "data-edited=\"true\"");
        var (oopsId, _) = await PostAsync(bobSocket, "Sent to the wrong room");
        await bobSocket.SendJsonAsync(new { type = "delete", id = oopsId });
        await ReceiveUntilAsync(bobSocket, "data-deleted=\"true\"");
        var (_, readSeq) = await PostAsync(aliceSocket, $"Thanks @Bob {suffix}");
        await aliceSocket.SendJsonAsync(new { type = "read", seq = readSeq });
        await WaitForReadMarkerAsync(slug, aliceId, readSeq);
        await PostAsync(bobSocket, "One more thing while you were away");
        await PostAsync(bobSocket, "And a last one");
        // Reading keeps Bob's socket answering the server's keep-alive pings.
        _ = DrainAsync(bobSocket);
        return new Scene(aliceEmail, bobId, slug, privateSlug, firstSeq, new Disposables(alice, bob, bobSocket));
    }

    private sealed class Disposables(params IDisposable[] items) : IDisposable
    {
        public void Dispose() { foreach (var item in items) item.Dispose(); }
    }

    private static async Task<(long Id, long Seq)> PostAsync(System.Net.WebSockets.WebSocket socket, string text)
    {
        await socket.SendMessageAsync(text);
        // A mention is its own element in the echo: match the text before it.
        var echo = await ReceiveUntilAsync(socket, System.Net.WebUtility.HtmlEncode(text.Split('@')[0]));
        return (SocketExtensions.IdOf(echo), SocketExtensions.SeqOf(echo)!.Value);
    }

    private static async Task DrainAsync(System.Net.WebSockets.WebSocket socket)
    {
        try
        {
            var buffer = new byte[16 * 1024];
            while (socket.State == System.Net.WebSockets.WebSocketState.Open) await socket.ReceiveAsync(buffer, CancellationToken.None);
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Disposed at the end of the test.
        }
    }

    private static async Task<string> ReceiveUntilAsync(System.Net.WebSockets.WebSocket socket, string text)
    {
        while (true)
        {
            var frame = await socket.ReceiveTextAsync();
            if (frame.Contains(text, StringComparison.Ordinal)) return frame;
        }
    }

    /// <summary>Read markers are written about once a second: wait for this one to be stored.</summary>
    private async Task WaitForReadMarkerAsync(string slug, string userId, long seq)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await server.QueryAsync(db => db.RoomReads.AnyAsync(r => r.UserId == userId && r.RoomId == db.Rooms.Single(x => x.Slug == slug).Id && r.LastReadSeq >= seq)) is false)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the read marker {seq} was not stored");
            await Task.Delay(50);
        }
    }

    private static async Task SignInAsync(IPage page, string email)
    {
        await page.GotoAsync($"{Account}/Login");
        await page.FillAsync("#Input_Email", email);
        await page.FillAsync("#Input_Password", SiteClient.Password);
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#account-link")).ToBeVisibleAsync();
    }

    /// <summary>The pages that show an error status (status code pages re-execute /Status; /Error is the exception handler's).</summary>
    private static readonly string[] StatusPages = ["/rooms/no-such-room", "/Status?code=400", "/Status?code=403", "/Status?code=500", "/Error"];

    [Theory]
    [MemberData(nameof(AxeCheck.Views), MemberType = typeof(AxeCheck))]
    public Task Every_page_a_person_reaches_has_no_WCAG_2_2_AA_violation(string device, string scheme) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(Every_page_a_person_reaches_has_no_WCAG_2_2_AA_violation)}-{device}-{scheme}", async pages =>
        {
            var view = $"{device} {scheme}";
            var violations = new List<string>();
            var scene = await SetUpSceneAsync();
            using var keep = scene.Keep;
            var page = await AxeCheck.NewViewAsync(chromium, server.BaseAddress, pages, device, scheme);
            async Task VisitAsync(string path)
            {
                await page.GotoAsync(path);
                await AxeCheck.CheckAsync(page, view, violations);
            }

            // Signed out: the rooms list with its welcome, every account page, an empty Login form's messages.
            foreach (var path in SiteWalk.SignedOutPages) await VisitAsync(path);
            await page.GotoAsync($"{Account}/Login");
            await page.ClickAsync("#login-submit");
            await Expect(page.Locator("#Input_Email-error")).ToBeVisibleAsync();
            await AxeCheck.CheckAsync(page, view, violations);
            foreach (var path in StatusPages) await VisitAsync(path);

            await SignInAsync(page, scene.AliceEmail);
            var home = new HomePage(page);
            await home.OpenAsync();
            await Expect(home.RoomLinks.First).ToBeVisibleAsync();
            await AxeCheck.CheckAsync(page, view, violations);
            await home.OpenNewRoomFormAsync();
            await page.ClickAsync("#create-room");
            await Expect(home.NameError).Not.ToBeEmptyAsync();
            await AxeCheck.CheckAsync(page, view, violations);

            // The room: own and others' messages, mentions both ways, edited, deleted, who is here, the unread divider.
            var room = new RoomPage(page);
            await room.OpenAsync(scene.Slug);
            await Expect(room.UnreadDivider).ToHaveCountAsync(1);
            await Expect(page.Locator("#messages .message.mine")).Not.ToHaveCountAsync(0);
            await Expect(page.Locator("#messages .message.mention-me")).ToHaveCountAsync(1);
            await Expect(page.Locator("#messages .mention")).ToHaveCountAsync(2);
            await Expect(page.Locator("#messages .message.deleted")).ToHaveCountAsync(1);
            await Expect(page.Locator("#messages .edited-mark")).ToHaveCountAsync(1);
            await Expect(page.Locator("#presence .presence-name")).Not.ToHaveCountAsync(0);
            await AxeCheck.CheckAsync(page, view, violations);
            foreach (var state in AxeCheck.BadgeStates)
            {
                await room.Status.EvaluateAsync("(badge, state) => badge.dataset.state = state", state);
                await AxeCheck.CheckAsync(page, $"{view}, badge {state}", violations, "#connection-status");
            }
            // An open actions menu on one's own message, then the delete dialog.
            var own = room.Message("Good morning, everyone");
            await RoomPage.ActionsButton(own).ClickAsync();
            await Expect(room.Menu).ToBeVisibleAsync();
            await AxeCheck.CheckAsync(page, view, violations);
            await room.MenuItem("Delete").ClickAsync();
            await Expect(room.DeleteDialog).ToBeVisibleAsync();
            await AxeCheck.CheckAsync(page, view, violations);
            await page.ClickAsync("#delete-cancel");

            // The private room with its members panel (open for its owner), the archive, a person's page.
            await room.OpenAsync(scene.PrivateSlug);
            await Expect(page.Locator("#members-panel")).ToBeVisibleAsync();
            await AxeCheck.CheckAsync(page, view, violations);
            await VisitAsync($"/rooms/{scene.Slug}?before={scene.FirstSeq + 3}");
            await VisitAsync($"/people/{scene.BobId}");
            // Search: the form alone, results with their marks, and a refused query's reason.
            await VisitAsync($"/rooms/{scene.Slug}/search");
            await VisitAsync($"/rooms/{scene.Slug}/search?q=morning");
            await Expect(page.Locator("mark").First).ToBeVisibleAsync();
            await VisitAsync($"/rooms/{scene.Slug}/search?q={new string('x', 201)}");

            foreach (var path in SiteWalk.ManagePages) await VisitAsync(path);
            await VisitAsync($"{Account}/Manage/EnableAuthenticator");
            foreach (var path in StatusPages) await VisitAsync(path);

            AxeCheck.AssertNone(violations);
        });

    [Theory]
    [MemberData(nameof(AxeCheck.Views), MemberType = typeof(AxeCheck))]
    public Task The_message_list_is_a_polite_log_around_the_list_live_messages_join(string device, string scheme) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(The_message_list_is_a_polite_log_around_the_list_live_messages_join)}-{device}-{scheme}", async pages =>
        {
            var page = await AxeCheck.NewViewAsync(chromium, server.BaseAddress, pages, device, scheme);
            await new AccountPages(page).RegisterAsync(SiteClient.NewEmail("loglist"), SiteClient.Password);
            await new HomePage(page).CreateRoomAsync("Log room");
            var room = new RoomPage(page);
            await room.WaitUntilLiveAsync();

            var log = page.GetByRole(AriaRole.Log, new() { Name = "Messages" });
            await Expect(log).ToHaveAttributeAsync("id", "messages");
            await Expect(log).ToHaveAttributeAsync("aria-live", "polite");
            await SendAsync(page, "heard by screen readers");
            // Live messages are added inside the log, so they are what the screen reader reads out.
            await Expect(log.Locator("#message-list .message-text", new() { HasTextString = "heard by screen readers" })).ToHaveCountAsync(1);
        });

    /// <summary>Sends with the Send button (Enter makes a new line on a touch phone) and waits for the echo.</summary>
    private static async Task SendAsync(IPage page, string text)
    {
        var room = new RoomPage(page);
        await room.Composer.FillAsync(text);
        await page.ClickAsync("#send");
        await Expect(room.Message(text)).ToHaveCountAsync(1);
    }

    /// <summary>Signed out and signed in: the rooms list, a room, the archive, a person, account pages, a status page.</summary>
    private async Task<(IPage Page, string[] Paths)> SignedInWithEveryKindOfPageAsync(List<IPage> pages, string device, string scheme)
    {
        var page = await AxeCheck.NewViewAsync(chromium, server.BaseAddress, pages, device, scheme);
        await new AccountPages(page).RegisterAsync(SiteClient.NewEmail("keyboard"), SiteClient.Password);
        var slug = await new HomePage(page).CreateRoomAsync("Keyboard room");
        var room = new RoomPage(page);
        await room.WaitUntilLiveAsync();
        await SendAsync(page, "a message with its actions button");
        var userId = await page.Locator("#room").GetAttributeAsync("data-user-id");
        return (page, ["/", $"/rooms/{slug}", $"/rooms/{slug}?before=999999", $"/people/{userId}", $"{Account}/Manage",
            $"{Account}/Manage/ChangePassword", $"{Account}/Manage/TwoFactorAuthentication", "/rooms/no-such-room"]);
    }

    /// <summary>
    /// The elements Tab reaches, in order, from the start of the page (at most <paramref name="limit"/>), each with
    /// whether it shows a focus ring: an outline at least 2 px wide that is not transparent, as site.css's
    /// <c>:focus-visible</c> rule draws (Bootstrap's faint glow alone is not enough to see).
    /// </summary>
    private static async Task<List<(string Element, bool Ring)>> TabThroughAsync(IPage page, int limit = 40)
    {
        var stops = new List<(string, bool)>();
        // Start from the top of the document whatever has autofocus: focus the body, then Tab.
        await page.EvaluateAsync("() => { document.activeElement?.blur(); document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex'); }");
        for (var i = 0; i < limit; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var stop = await page.EvaluateAsync<string[]>("""
                () => {
                    const e = document.activeElement;
                    if (!e || e === document.body) return null;
                    const s = getComputedStyle(e);
                    const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && s.outlineColor !== 'rgba(0, 0, 0, 0)' && e.matches(':focus-visible');
                    const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
                    return [name, String(ring)];
                }
                """);
            if (stop is null) break;
            if (stops.Count > 0 && stops[0].Item1 == stop[0] && i > 1) break;
            stops.Add((stop[0], stop[1] == "true"));
        }
        return stops;
    }

    [Theory]
    [MemberData(nameof(AxeCheck.Views), MemberType = typeof(AxeCheck))]
    public Task Every_page_starts_with_a_skip_link_to_main_and_every_focusable_thing_shows_a_focus_ring(string device, string scheme) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(Every_page_starts_with_a_skip_link_to_main_and_every_focusable_thing_shows_a_focus_ring)}-{device}-{scheme}", async pages =>
        {
            var (page, paths) = await SignedInWithEveryKindOfPageAsync(pages, device, scheme);
            var signedOut = await AxeCheck.NewViewAsync(chromium, server.BaseAddress, pages, device, scheme);
            var problems = new List<string>();
            foreach (var (person, path) in paths.Select(path => (page, path))
                         .Concat(new[] { "/", $"{Account}/Login", $"{Account}/Register", $"{Account}/ForgotPassword" }.Select(path => (signedOut, path))))
            {
                await person.GotoAsync(path);
                if (path.StartsWith("/rooms/", StringComparison.Ordinal) && !path.Contains('?') && !path.Contains("no-such"))
                {
                    await new RoomPage(person).WaitUntilLiveAsync();
                }
                // The skip link shows when focused and takes focus to the page's main content. This runs on the
                // freshly loaded page: after a whole round of Tab the focus may have left the document for the
                // browser's own controls, and a page without focus never matches :focus (the link stays hidden).
                var first = await TabThroughAsync(person, limit: 1);
                var skip = person.Locator("#skip-link");
                if (first.Count == 1 && first[0].Element.StartsWith("a#skip-link", StringComparison.Ordinal))
                {
                    await Expect(skip).ToHaveTextAsync("Skip to content");
                    await Expect(skip).ToBeInViewportAsync();
                    await person.Keyboard.PressAsync("Enter");
                    await Expect(person.Locator("main#main")).ToBeFocusedAsync();
                }
                else if (await skip.CountAsync() == 1)
                {
                    problems.Add($"{path}: the first Tab after loading reached {(first.Count == 0 ? "nothing" : first[0].Element)}, not the skip link");
                }

                var stops = await TabThroughAsync(person);
                if (stops.Count == 0 || !stops[0].Element.StartsWith("a#skip-link", StringComparison.Ordinal))
                {
                    problems.Add($"{path}: the first Tab reached {(stops.Count == 0 ? "nothing" : stops[0].Element)}, not the skip link");
                }
                problems.AddRange(stops.Where(stop => !stop.Ring).Select(stop => $"{path}: {stop.Element} has no visible focus ring"));
            }
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        });

    [Theory]
    [MemberData(nameof(AxeCheck.Views), MemberType = typeof(AxeCheck))]
    public Task On_the_rooms_page_the_New_room_form_comes_before_the_list_in_document_and_tab_order(string device, string scheme) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(On_the_rooms_page_the_New_room_form_comes_before_the_list_in_document_and_tab_order)}-{device}-{scheme}", async pages =>
        {
            var page = await AxeCheck.NewViewAsync(chromium, server.BaseAddress, pages, device, scheme);
            await new AccountPages(page).RegisterAsync(SiteClient.NewEmail("taborder"), SiteClient.Password);
            var home = new HomePage(page);
            await home.CreateRoomAsync("Tab order room");
            await home.OpenAsync();
            await Expect(home.RoomLinks.First).ToBeVisibleAsync();

            var formFirst = await page.EvaluateAsync<bool>(
                "() => !!(document.querySelector('#new-room').compareDocumentPosition(document.querySelector('#room-list')) & Node.DOCUMENT_POSITION_FOLLOWING)");
            Assert.True(formFirst, "the New room form follows the rooms list in the document");

            var stops = (await TabThroughAsync(page)).Select(stop => stop.Element).ToList();
            // On a phone the form is behind its button (the summary); on a desktop it is open, its name field first.
            var form = stops.FindIndex(stop => stop.StartsWith(device == "phone" ? "summary" : "input#room-name", StringComparison.Ordinal));
            var firstRoom = stops.FindIndex(stop => stop.StartsWith("a.room-link", StringComparison.Ordinal));
            Assert.True(form >= 0 && firstRoom >= 0 && form < firstRoom, "tab order: " + string.Join(", ", stops));
        });

    [Theory]
    [MemberData(nameof(AxeCheck.Views), MemberType = typeof(AxeCheck))]
    public Task The_colour_scheme_follows_the_system_setting(string device, string scheme) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(The_colour_scheme_follows_the_system_setting)}-{device}-{scheme}", async pages =>
        {
            var page = await AxeCheck.NewViewAsync(chromium, server.BaseAddress, pages, device, scheme);
            await page.GotoAsync($"{Account}/Login");
            // Relative luminance of the page background and of a text field's background (WCAG 2.2's definition).
            const string Luminance = """
                e => {
                    const [r, g, b] = getComputedStyle(e).backgroundColor.match(/[\d.]+/g).slice(0, 3).map(Number)
                        .map(v => v / 255).map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
                    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
                }
                """;
            var pageLuminance = await page.Locator("body").EvaluateAsync<double>(Luminance);
            var fieldLuminance = await page.Locator("#Input_Email").EvaluateAsync<double>(Luminance);
            if (scheme == "dark")
            {
                Assert.True(pageLuminance < 0.05 && fieldLuminance < 0.05, $"dark scheme: page {pageLuminance}, field {fieldLuminance}");
            }
            else
            {
                Assert.True(pageLuminance > 0.8 && fieldLuminance > 0.8, $"light scheme: page {pageLuminance}, field {fieldLuminance}");
            }
        });
}

/// <summary>The room page of the published Production build, served over HTTPS, passes axe at both sizes in both schemes.</summary>
[Collection(PublishedSiteCollection.Name)]
public sealed class PublishedAccessibilityTests(PublishedSiteServers site, ChromiumBrowser chromium)
{
    [Fact]
    public Task The_published_room_page_has_no_WCAG_2_2_AA_violation_at_either_size_in_either_scheme() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(The_published_room_page_has_no_WCAG_2_2_AA_violation_at_either_size_in_either_scheme), async pages =>
        {
            var violations = new List<string>();
            var bobPage = await chromium.NewSignedInPersonAsync(site.DirectAddress, pages, SiteClient.NewEmail("pubbob"));
            var aliceEmail = SiteClient.NewEmail("pubalice");
            var alicePage = await chromium.NewSignedInPersonAsync(site.DirectAddress, pages, aliceEmail);
            var slug = await new HomePage(alicePage).CreateRoomAsync("Published room");
            var alice = new RoomPage(alicePage);
            await alice.WaitUntilLiveAsync();
            var bob = new RoomPage(bobPage);
            await bob.OpenAsync(slug);
            await alice.SendAndWaitAsync("Hello from Alice");
            var typo = await bob.SendAndWaitAsync("Hello from Bbo");
            await bob.EditAsync(bob.MessageById(typo), "Hello from Bob");
            await Expect(alicePage.Locator($"#{typo} .edited-mark")).ToHaveCountAsync(1);
            var oops = await alice.SendAndWaitAsync("Oops, wrong room");
            await alice.DeleteAsync(alice.MessageById(oops));
            await Expect(bobPage.Locator($"#{oops}.deleted")).ToHaveCountAsync(1);

            foreach (var (device, scheme) in new[] { ("desktop", "light"), ("desktop", "dark"), ("phone", "light"), ("phone", "dark") })
            {
                var page = await AxeCheck.NewViewAsync(chromium, site.DirectAddress, pages, device, scheme);
                await page.GotoAsync("/Identity/Account/Login");
                await page.FillAsync("#Input_Email", aliceEmail);
                await page.FillAsync("#Input_Password", SiteClient.Password);
                await page.ClickAsync("#login-submit");
                await Expect(page.Locator("#account-link")).ToBeVisibleAsync();
                var room = new RoomPage(page);
                await room.OpenAsync(slug);
                await Expect(page.Locator("#messages .message.deleted")).ToHaveCountAsync(1);
                await AxeCheck.CheckAsync(page, $"{device} {scheme}", violations);
                await page.GotoAsync("/");
                await AxeCheck.CheckAsync(page, $"{device} {scheme}", violations);
                await page.Context.CloseAsync();
                pages.Remove(page);
            }
            AxeCheck.AssertNone(violations);
        });
}

/// <summary>
/// axe-core run in a page with the rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA, and the browser views it runs
/// in: a desktop (1280×800) or a phone (390×844, touch), in the light or the dark colour scheme.
/// </summary>
public static class AxeCheck
{
    /// <summary>The rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA, as axe-core tags them.</summary>
    private static readonly List<string> WcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

    /// <summary>Every state chat.js gives the connection badge (the server renders "connecting").</summary>
    public static readonly string[] BadgeStates = ["connecting", "live", "reconnecting", "denied", "offline"];

    public static TheoryData<string, string> Views => new()
    {
        { "desktop", "light" }, { "desktop", "dark" }, { "phone", "light" }, { "phone", "dark" },
    };

    /// <summary>A fresh browser profile at the named size and colour scheme.</summary>
    public static async Task<IPage> NewViewAsync(ChromiumBrowser chromium, Uri site, List<IPage> pages, string device, string scheme)
    {
        var phone = device == "phone";
        var context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = site.ToString(),
            IgnoreHTTPSErrors = true,
            ViewportSize = phone ? new() { Width = 390, Height = 844 } : new() { Width = 1280, Height = 800 },
            HasTouch = phone,
            IsMobile = phone,
            ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
        });
        context.SetDefaultTimeout(10_000);
        var page = await context.NewPageAsync();
        pages.Add(page);
        return page;
    }

    /// <summary>
    /// Runs axe with the WCAG A/AA tags on the page as it is now (or only inside <paramref name="within"/>) and adds
    /// every violation to <paramref name="found"/> as "where [view]: rule id at target: summary".
    /// </summary>
    public static async Task CheckAsync(IPage page, string view, List<string> found, string? within = null)
    {
        var options = new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = WcagTags } };
        var result = within is null
            ? await page.RunAxe(options)
            : await page.RunAxe(new AxeRunContext { Include = [new AxeSelector(within)] }, options);
        var where = Uri.TryCreate(page.Url, UriKind.Absolute, out var url) ? url.PathAndQuery : page.Url;
        foreach (var violation in result.Violations)
        {
            foreach (var node in violation.Nodes)
            {
                // axe's own summary: every check that failed (any one of "any" would have done; all of "all" and none of "none" must).
                var failed = node.Any.Concat(node.All).Concat(node.None).Select(check => check.Message);
                found.Add($"{where}{(within is null ? "" : $" ({within})")} [{view}]: {violation.Id} at {node.Target}: {violation.Help}: " +
                          string.Join("; ", failed).ReplaceLineEndings(" "));
            }
        }
    }

    public static void AssertNone(List<string> violations) =>
        Assert.True(violations.Count == 0, $"{violations.Count} WCAG 2.2 AA violation(s):\n" + string.Join("\n", violations));
}
