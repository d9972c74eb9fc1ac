using System.Net.WebSockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WebApp.Chat;
using WebApp.Tests.Browser.PageObjects;
using WebApp.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebApp.Tests.Browser;

/// <summary>
/// The room as one stream of events, as people see it: edits and deletions reach every page (and pages that were
/// away), the actions menu works from the keyboard and only where it is allowed, who is typing, where unread
/// messages start, and the messages that name you.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class RoomEventsInBrowserTests(ChatServer server, ChromiumBrowser chromium)
{
    /// <summary>The typing line lasts about 5 s after the last signal; this leaves room for a busy machine.</summary>
    private static readonly LocatorAssertionsToBeEmptyOptions UntilTypingExpires = new() { Timeout = 15_000 };

    private Task<IPage> SignedInPersonAsync(List<IPage> pages, string who) =>
        chromium.NewSignedInPersonAsync(server.BaseAddress, pages, SiteClient.NewEmail(who));

    /// <summary>Alice creates a room and Bob opens it; both pages are live.</summary>
    private async Task<(IPage AlicePage, RoomPage Alice, IPage BobPage, RoomPage Bob, string Slug)> AliceAndBobInARoomAsync(List<IPage> pages, string roomName)
    {
        var alicePage = await SignedInPersonAsync(pages, "alice");
        var bobPage = await SignedInPersonAsync(pages, "bob");
        var slug = await new HomePage(alicePage).CreateRoomAsync(roomName);
        var alice = new RoomPage(alicePage);
        var bob = new RoomPage(bobPage);
        await alice.WaitUntilLiveAsync();
        await bob.OpenAsync(slug);
        return (alicePage, alice, bobPage, bob, slug);
    }

    [Fact]
    public Task Consecutive_messages_of_one_author_are_grouped_live_and_after_a_reload_and_links_open_safely() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Consecutive_messages_of_one_author_are_grouped_live_and_after_a_reload_and_links_open_safely), async pages =>
        {
            var (_, alice, bobPage, bob, slug) = await AliceAndBobInARoomAsync(pages, "Groups");
            var first = await alice.SendAndWaitAsync("first of two");
            var second = await alice.SendAndWaitAsync("second of two, see https://example.com/notes.");
            var third = await bob.SendAndWaitAsync("bob answers");
            var fourth = await alice.SendAndWaitAsync("back to alice");

            async Task ExpectGroupsAsync(IPage page, RoomPage room)
            {
                var grouped = new System.Text.RegularExpressions.Regex(@"\bcontinued\b");
                await Expect(room.MessageById(second)).ToHaveClassAsync(grouped);
                foreach (var id in new[] { first, third, fourth }) await Expect(room.MessageById(id)).Not.ToHaveClassAsync(grouped);
                // Grouped, the author is still there for screen readers.
                await Expect(room.MessageById(second).Locator(".message-author")).ToHaveCountAsync(1);
                await Expect(page.Locator("#messages .day-separator")).ToHaveCountAsync(1);
                var link = room.MessageById(second).Locator("a.message-link");
                await Expect(link).ToHaveAttributeAsync("href", "https://example.com/notes");
                await Expect(link).ToHaveAttributeAsync("rel", "noopener noreferrer nofollow ugc");
                await Expect(link).ToHaveTextAsync("https://example.com/notes");
            }

            // Live, as chat.js arranges them; then as the server renders the history for someone who opens the room.
            await ExpectGroupsAsync(bobPage, bob);
            var carolPage = await SignedInPersonAsync(pages, "carol");
            var carol = new RoomPage(carolPage);
            await carol.OpenAsync(slug);
            await ExpectGroupsAsync(carolPage, carol);
        });

    [Fact]
    public Task Editing_your_message_shows_the_new_text_and_an_edited_mark_to_everyone() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Editing_your_message_shows_the_new_text_and_an_edited_mark_to_everyone), async pages =>
        {
            var (alicePage, alice, _, bob, _) = await AliceAndBobInARoomAsync(pages, "Edits");
            var id = await alice.SendAndWaitAsync("see you at teh station");
            await Expect(bob.MessageById(id)).ToBeVisibleAsync();

            await alice.EditAsync(alice.MessageById(id), "see you at the station");

            foreach (var room in new[] { alice, bob })
            {
                var message = room.MessageById(id);
                await Expect(message).ToHaveAttributeAsync("data-edited", "true");
                await Expect(message.Locator(".message-text")).ToHaveTextAsync("see you at the station");
                await Expect(message.Locator(".edited-mark")).ToBeVisibleAsync();
                await Expect(room.Messages).ToHaveCountAsync(1);
            }
            // The re-rendered message is still Alice's own, with its menu, and the composer has the focus back.
            await Expect(alice.MessageById(id)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bmine\b"));
            await Expect(RoomPage.ActionsButton(alice.MessageById(id))).ToBeVisibleAsync();
            await Expect(alice.Editor).ToHaveCountAsync(0);
            await Expect(RoomPage.ActionsButton(alice.MessageById(id))).ToBeFocusedAsync();
            Assert.Empty(await alicePage.Locator("#chat-error").TextContentAsync() ?? "");
        });

    [Fact]
    public Task Deleting_a_message_leaves_a_placeholder_without_its_text_for_everyone() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Deleting_a_message_leaves_a_placeholder_without_its_text_for_everyone), async pages =>
        {
            var (alicePage, alice, bobPage, bob, _) = await AliceAndBobInARoomAsync(pages, "Deletions");
            var id = await alice.SendAndWaitAsync("a secret I regret sharing");
            await Expect(bob.MessageById(id)).ToBeVisibleAsync();

            // Cancelling the dialog deletes nothing and gives the focus back to the menu button.
            await RoomPage.ActionsButton(alice.MessageById(id)).ClickAsync();
            await alice.MenuItem("Delete").ClickAsync();
            await Expect(alice.DeleteDialog).ToBeVisibleAsync();
            await alicePage.Keyboard.PressAsync("Escape");
            await Expect(alice.DeleteDialog).Not.ToBeVisibleAsync();
            await Expect(RoomPage.ActionsButton(alice.MessageById(id))).ToBeFocusedAsync();
            await Expect(bob.MessageById(id).Locator(".message-text")).ToHaveTextAsync("a secret I regret sharing");

            await alice.DeleteAsync(alice.MessageById(id));

            foreach (var (page, room) in new[] { (alicePage, alice), (bobPage, bob) })
            {
                var message = room.MessageById(id);
                await Expect(message).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdeleted\b"));
                await Expect(message.Locator(".message-text")).ToHaveCountAsync(0);
                await Expect(page.Locator("#messages")).Not.ToContainTextAsync("a secret I regret sharing");
                await Expect(RoomPage.ActionsButton(message)).ToHaveCountAsync(0);
            }
            // History renders the placeholder the same way.
            await bobPage.ReloadAsync();
            await Expect(bob.MessageById(id)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdeleted\b"));
            await Expect(bobPage.Locator("#messages")).Not.ToContainTextAsync("a secret I regret sharing");
        });

    [Fact]
    public Task The_actions_menu_is_keyboard_reachable_and_offered_only_where_allowed() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(The_actions_menu_is_keyboard_reachable_and_offered_only_where_allowed), async pages =>
        {
            var (alicePage, alice, bobPage, bob, _) = await AliceAndBobInARoomAsync(pages, "Menus");
            var bobsId = await bob.SendAndWaitAsync("Bob wrote this");
            var alicesId = await alice.SendAndWaitAsync("Alice wrote this");
            await Expect(bob.MessageById(alicesId)).ToBeVisibleAsync();

            // Bob (not the owner): a menu on his own message only.
            await Expect(RoomPage.ActionsButton(bob.MessageById(bobsId))).ToHaveCountAsync(1);
            await Expect(RoomPage.ActionsButton(bob.MessageById(alicesId))).ToHaveCountAsync(0);

            // Reached with Tab from the message list, right after the author's name; Enter opens it on its first item,
            // arrows move, Escape closes.
            await bobPage.Locator("#messages").FocusAsync();
            await bobPage.Keyboard.PressAsync("Tab");
            await Expect(bob.MessageById(bobsId).Locator(".message-author")).ToBeFocusedAsync();
            await bobPage.Keyboard.PressAsync("Tab");
            var bobsButton = RoomPage.ActionsButton(bob.MessageById(bobsId));
            await Expect(bobsButton).ToBeFocusedAsync();
            await Expect(bobsButton).ToHaveAttributeAsync("aria-haspopup", "menu");
            await bobPage.Keyboard.PressAsync("Enter");
            await Expect(bob.Menu).ToBeVisibleAsync();
            await Expect(bobsButton).ToHaveAttributeAsync("aria-expanded", "true");
            await Expect(bob.MenuItem("Edit")).ToBeFocusedAsync();
            await bobPage.Keyboard.PressAsync("ArrowDown");
            await Expect(bob.MenuItem("Delete")).ToBeFocusedAsync();
            await bobPage.Keyboard.PressAsync("ArrowDown");
            await Expect(bob.MenuItem("Edit")).ToBeFocusedAsync();
            await bobPage.Keyboard.PressAsync("Escape");
            await Expect(bob.Menu).ToHaveCountAsync(0);
            await Expect(bobsButton).ToBeFocusedAsync();
            await Expect(bobsButton).ToHaveAttributeAsync("aria-expanded", "false");

            // Alice owns the room: Edit and Delete on hers, Delete alone on Bob's.
            await RoomPage.ActionsButton(alice.MessageById(alicesId)).ClickAsync();
            await Expect(alice.Menu.GetByRole(AriaRole.Menuitem)).ToHaveTextAsync(["Edit", "Delete"]);
            await alicePage.Keyboard.PressAsync("Escape");
            var onBobs = RoomPage.ActionsButton(alice.MessageById(bobsId));
            await onBobs.FocusAsync();
            await alicePage.Keyboard.PressAsync("ArrowDown");
            await Expect(alice.Menu.GetByRole(AriaRole.Menuitem)).ToHaveTextAsync(["Delete"]);
            await Expect(alice.MenuItem("Delete")).ToBeFocusedAsync();

            // ...and deletes it with the keyboard alone: the dialog opens on Cancel, Tab reaches Delete.
            await alicePage.Keyboard.PressAsync("Enter");
            await Expect(alice.DeleteDialog).ToBeVisibleAsync();
            await Expect(alicePage.Locator("#delete-cancel")).ToBeFocusedAsync();
            await alicePage.Keyboard.PressAsync("Tab");
            await Expect(alicePage.Locator("#delete-confirm")).ToBeFocusedAsync();
            await alicePage.Keyboard.PressAsync("Enter");

            await Expect(bob.MessageById(bobsId)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdeleted\b"));
            await Expect(bobPage.Locator("#messages")).Not.ToContainTextAsync("Bob wrote this");
            // The focus does not fall off the page with the button it was on.
            await Expect(alice.Composer).ToBeFocusedAsync();
        });

    [Fact]
    public Task Up_arrow_in_an_empty_composer_edits_your_last_message() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Up_arrow_in_an_empty_composer_edits_your_last_message), async pages =>
        {
            var (_, alice, _, bob, _) = await AliceAndBobInARoomAsync(pages, "Up arrow");
            await alice.SendAndWaitAsync("first");
            var lastId = await alice.SendAndWaitAsync("secnod");
            await bob.SendAndWaitAsync("Bob's is newer but not Alice's to edit");
            await Expect(alice.Messages).ToHaveCountAsync(3);

            // With text in the composer the arrow only moves the caret.
            await alice.Composer.FillAsync("draft");
            await alice.Composer.PressAsync("ArrowUp");
            await Expect(alice.Editor).ToHaveCountAsync(0);
            await alice.Composer.FillAsync("");

            // Escape cancels and gives the composer back.
            await alice.Composer.PressAsync("ArrowUp");
            await Expect(alice.Editor).ToBeFocusedAsync();
            await Expect(alice.Editor).ToHaveValueAsync("secnod");
            await alice.Editor.PressAsync("Escape");
            await Expect(alice.Editor).ToHaveCountAsync(0);
            await Expect(alice.Composer).ToBeFocusedAsync();
            await Expect(alice.MessageById(lastId).Locator(".message-text")).ToHaveTextAsync("secnod");

            // Shift+Enter is a new line; Enter that confirms an IME composition does not save; Enter saves.
            await alice.Composer.PressAsync("ArrowUp");
            await alice.Editor.FillAsync("second");
            await alice.Editor.PressAsync("Shift+Enter");
            await alice.Editor.PressSequentiallyAsync("line two");
            await alice.Editor.DispatchEventAsync("keydown", new { key = "Enter", code = "Enter", isComposing = true, bubbles = true, cancelable = true });
            await alice.Editor.DispatchEventAsync("keydown", new { key = "Enter", code = "Enter", keyCode = 229, bubbles = true, cancelable = true });
            await Expect(alice.Editor).ToHaveValueAsync("second\nline two");
            await alice.Editor.PressAsync("Enter");

            await Expect(bob.MessageById(lastId).Locator(".message-text")).ToHaveTextAsync("second\nline two");
            await Expect(bob.MessageById(lastId)).ToHaveAttributeAsync("data-edited", "true");
            await Expect(alice.Editor).ToHaveCountAsync(0);
            await Expect(alice.Composer).ToBeFocusedAsync();
        });

    [Fact]
    public Task Typing_is_shown_to_the_others_never_to_the_typist_and_expires() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Typing_is_shown_to_the_others_never_to_the_typist_and_expires), async pages =>
        {
            var (alicePage, alice, bobPage, bob, _) = await AliceAndBobInARoomAsync(pages, "Typing");
            var bobName = await bobPage.Locator("#account-link").TextContentAsync();

            await bob.Composer.PressSequentiallyAsync("hel");
            await Expect(alice.Typing).ToHaveTextAsync($"{bobName} is typing…");
            // Frames reach a page in order: once Alice's next message is on Bob's page, so is his own typing frame.
            await alice.SendWithEnterAsync("are you typing?");
            await Expect(bob.MessageWithText("are you typing?")).ToBeVisibleAsync();
            Assert.Equal("", await bob.Typing.TextContentAsync());
            await Expect(alice.Typing).ToBeEmptyAsync(UntilTypingExpires);

            // A message from the typist clears the line at once, in the same step that shows the message.
            await bob.Composer.FillAsync("");
            await bob.Composer.PressSequentiallyAsync("hello");
            await Expect(alice.Typing).ToHaveTextAsync($"{bobName} is typing…");
            await bob.Composer.PressAsync("Enter");
            await Expect(alice.MessageWithText("hello")).ToBeVisibleAsync();
            Assert.Equal("", await alice.Typing.TextContentAsync());
            Assert.Equal("", await bob.Typing.TextContentAsync());
            Assert.Equal("polite", await alicePage.Locator("#typing").GetAttributeAsync("aria-live"));
        });

    [Fact]
    public Task Typing_line_names_one_or_two_people_and_then_says_several() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Typing_line_names_one_or_two_people_and_then_says_several), async pages =>
        {
            var alicePage = await SignedInPersonAsync(pages, "alice");
            var slug = await new HomePage(alicePage).CreateRoomAsync("Many typists");
            var alice = new RoomPage(alicePage);
            await alice.WaitUntilLiveAsync();

            var typists = new List<(SiteClient Person, ClientWebSocket Socket, string Name)>();
            try
            {
                // Carol's name holds markup: the typing line shows it as text.
                foreach (var who in new[] { "Bob", "Carol <i>x</i>", "Dave" })
                {
                    var person = server.NewVisitor();
                    await person.RegisterAsync();
                    var name = $"{who} {Guid.NewGuid():N}"[..(who.Length + 5)];
                    await person.SetDisplayNameAsync(name);
                    typists.Add((person, await person.ConnectAsync(slug), name));
                }

                await typists[0].Socket.SendTextAsync("""{"type":"typing"}""");
                await Expect(alice.Typing).ToHaveTextAsync($"{typists[0].Name} is typing…");
                await typists[1].Socket.SendTextAsync("""{"type":"typing"}""");
                await Expect(alice.Typing).ToHaveTextAsync($"{typists[0].Name} and {typists[1].Name} are typing…");
                // Each name isolated, so a right-to-left name cannot reorder the sentence around it.
                await Expect(alicePage.Locator("#typing bdi")).ToHaveCountAsync(2);
                await Expect(alicePage.Locator("#typing i")).ToHaveCountAsync(0);
                await typists[2].Socket.SendTextAsync("""{"type":"typing"}""");
                await Expect(alice.Typing).ToHaveTextAsync("Several people are typing…");
                await Expect(alice.Typing).ToBeEmptyAsync(UntilTypingExpires);
            }
            finally
            {
                foreach (var (person, socket, _) in typists)
                {
                    socket.Dispose();
                    person.Dispose();
                }
            }
        });

    [Fact]
    public Task Reopening_a_room_shows_where_unread_messages_start_and_no_divider_once_all_is_read() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Reopening_a_room_shows_where_unread_messages_start_and_no_divider_once_all_is_read), async pages =>
        {
            var (_, alice, bobPage, bob, slug) = await AliceAndBobInARoomAsync(pages, "Unread");
            var bobId = await bobPage.Locator("#room").GetAttributeAsync("data-user-id");
            var seenId = await alice.SendAndWaitAsync("seen by Bob");
            await Expect(bob.MessageById(seenId)).ToBeVisibleAsync();
            await WaitUntilReadAsync(slug, bobId!);

            await bobPage.GotoAsync("/");
            var firstUnreadId = await alice.SendAndWaitAsync("sent while Bob was away");
            await alice.SendAndWaitAsync("and another");

            await bobPage.GotoAsync($"/rooms/{slug}");
            await Expect(bob.UnreadDivider).ToHaveCountAsync(1);
            await Expect(bob.UnreadDivider).ToHaveAttributeAsync("role", "separator");
            Assert.Equal(firstUnreadId, await bob.UnreadDivider.EvaluateAsync<string>("d => d.nextElementSibling.id"));
            await bob.WaitUntilLiveAsync();

            // The newest message is on screen, so the page reports it read; the next visit has no divider.
            await WaitUntilReadAsync(slug, bobId!);
            await bobPage.ReloadAsync();
            await Expect(bob.MessageWithText("and another")).ToBeVisibleAsync();
            await Expect(bob.UnreadDivider).ToHaveCountAsync(0);
        });

    [Fact]
    public Task Messages_that_arrive_while_you_read_further_up_are_not_marked_read_until_you_scroll_down() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Messages_that_arrive_while_you_read_further_up_are_not_marked_read_until_you_scroll_down), async pages =>
        {
            using var writer = server.NewVisitor();
            var slug = await writer.SignUpWithRoomAsync("Reading up");
            using (var history = await writer.ConnectAsync(slug))
            {
                for (var i = 0; i < 40; i++)
                {
                    await history.SendMessageAsync($"history {i}");
                    await history.ReceiveTextAsync();
                }
            }

            var page = await SignedInPersonAsync(pages, "reader");
            // The page's own clock, moved on by the test, so "at most once a second" has surely passed when it checks.
            await page.Clock.InstallAsync();
            var sent = new List<string>();
            page.WebSocket += (_, socket) => socket.FrameSent += (_, frame) => { lock (sent) sent.Add(frame.Text ?? ""); };
            var room = new RoomPage(page);
            await room.OpenAsync(slug);
            var seqOnOpen = await page.Locator("#room").GetAttributeAsync("data-event-seq");
            await WaitUntilSentAsync(sent, $$"""{"type":"read","seq":{{seqOnOpen}}}""");

            await page.Locator("#messages").EvaluateAsync(RoomViewTests.ScrollToTheTop);
            using var socket = await writer.ConnectAsync(slug);
            await socket.SendMessageAsync("news while you read");
            await socket.ReceiveTextAsync();
            await Expect(page.Locator("#new-messages")).ToBeVisibleAsync();
            var news = await room.Message("news while you read").GetAttributeAsync("data-seq");
            await page.Clock.FastForwardAsync(2_000);
            // A typing signal marks this point in the stream of frames the page sends.
            await room.Composer.PressSequentiallyAsync("x");
            await WaitUntilSentAsync(sent, """{"type":"typing"}""");

            await page.ClickAsync("#new-messages");
            await page.Clock.FastForwardAsync(2_000);
            var readNews = $$"""{"type":"read","seq":{{news}}}""";
            await WaitUntilSentAsync(sent, readNews);
            var frames = Sent(sent).Split('\n');
            Assert.True(Array.IndexOf(frames, readNews) > Array.IndexOf(frames, """{"type":"typing"}"""), "the page reported the news read while it was scrolled up: " + Sent(sent));
        });

    private static string Sent(List<string> sent)
    {
        lock (sent) return string.Join('\n', sent);
    }

    /// <summary>Waits until the page has sent exactly <paramref name="frame"/> on its socket.</summary>
    private static async Task WaitUntilSentAsync(List<string> sent, string frame)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Sent(sent).Split('\n').Contains(frame))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the page never sent {frame}; it sent: {Sent(sent)}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public Task A_new_display_name_shows_on_that_persons_messages_at_once() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(A_new_display_name_shows_on_that_persons_messages_at_once), async pages =>
        {
            var (alicePage, alice, bobPage, bob, _) = await AliceAndBobInARoomAsync(pages, "Renames");
            var bobsId = await bob.SendAndWaitAsync("written under my old name");
            await Expect(alice.MessageById(bobsId)).ToBeVisibleAsync();
            var messagesBefore = await alicePage.Locator("#message-list > *").CountAsync();

            var newName = $"Robert {Guid.NewGuid():N}"[..15];
            var settings = await bobPage.Context.NewPageAsync();
            await new AccountPages(settings).SetDisplayNameAsync(newName);

            await Expect(alice.MessageById(bobsId).Locator(".message-author")).ToHaveTextAsync(newName);
            await Expect(bob.MessageById(bobsId).Locator(".message-author")).ToHaveTextAsync(newName);
            // Nothing was added to the list: the frame only renames.
            Assert.Equal(messagesBefore, await alicePage.Locator("#message-list > *").CountAsync());
        });

    [Fact]
    public Task Messages_that_name_you_are_marked_for_you_only() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(Messages_that_name_you_are_marked_for_you_only), async pages =>
        {
            var (alicePage, alice, bobPage, bob, _) = await AliceAndBobInARoomAsync(pages, "Mentions");
            var bobName = await bobPage.Locator("#account-link").TextContentAsync();
            await bob.SendAndWaitAsync("Bob is here");

            var id = await alice.SendAndWaitAsync($"over to you, @{bobName}!");
            var plainId = await alice.SendAndWaitAsync("nobody named here");

            await Expect(bob.MessageById(id).Locator(".mention")).ToHaveTextAsync($"@{bobName}");
            await Expect(bob.MessageById(id)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bmention-me\b"));
            await Expect(bob.MessageById(plainId)).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bmention-me\b"));
            // Everyone sees the mention highlighted; only the person named gets the message marked.
            await Expect(alice.MessageById(id).Locator(".mention")).ToHaveTextAsync($"@{bobName}");
            await Expect(alicePage.Locator("#messages .mention-me")).ToHaveCountAsync(0);

            await bobPage.ReloadAsync();
            await Expect(bob.MessageById(id)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bmention-me\b"));
            await Expect(bobPage.Locator("#messages .mention-me")).ToHaveCountAsync(1);
        });

    [Fact]
    public Task A_page_that_was_offline_gets_edits_and_deletions_once_when_it_is_back() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(A_page_that_was_offline_gets_edits_and_deletions_once_when_it_is_back), async pages =>
        {
            var (_, alice, bobPage, bob, slug) = await AliceAndBobInARoomAsync(pages, "Away");
            var bobId = await bobPage.Locator("#room").GetAttributeAsync("data-user-id");
            var keptId = await alice.SendAndWaitAsync("this one stays");
            var editedId = await alice.SendAndWaitAsync("this one will change");
            var deletedId = await alice.SendAndWaitAsync("this one will go");
            await Expect(bob.Messages).ToHaveCountAsync(3);
            // Bob's last applied event is then a change, numbered after the last message he has.
            await alice.EditAsync(alice.MessageById(keptId), "this one stays, fixed");
            await Expect(bob.MessageById(keptId)).ToHaveAttributeAsync("data-edited", "true");
            var resumedAfter = new List<string>();
            bobPage.WebSocket += (_, socket) => resumedAfter.Add(new Uri(socket.Url).Query);

            // Bob's network goes: his socket ends and he cannot reconnect until it is back.
            await bobPage.Context.SetOfflineAsync(true);
            CloseSocketsOf(slug, bobId!);
            await Expect(bob.Status).Not.ToHaveAttributeAsync("data-state", "live");
            var lastSeqBobSaw = await server.QueryAsync(db => db.Rooms.Where(r => r.Slug == slug).Select(r => r.LastSeq).SingleAsync());

            await alice.EditAsync(alice.MessageById(editedId), "this one changed while Bob was away");
            await Expect(alice.MessageById(editedId)).ToHaveAttributeAsync("data-edited", "true");
            await alice.DeleteAsync(alice.MessageById(deletedId));
            await Expect(alice.MessageById(deletedId)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdeleted\b"));
            var newId = await alice.SendAndWaitAsync("and a new one");

            await bobPage.Context.SetOfflineAsync(false);
            await bob.WaitUntilLiveAsync();

            await Expect(bob.MessageById(editedId).Locator(".message-text")).ToHaveTextAsync("this one changed while Bob was away");
            await Expect(bob.MessageById(editedId)).ToHaveAttributeAsync("data-edited", "true");
            await Expect(bob.MessageById(deletedId)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdeleted\b"));
            await Expect(bobPage.Locator("#messages")).Not.ToContainTextAsync("this one will go");
            await Expect(bob.MessageById(newId)).ToBeVisibleAsync();
            await Expect(bob.MessageById(keptId).Locator(".message-text")).ToHaveTextAsync("this one stays, fixed");
            string[] ids = [keptId, editedId, deletedId, newId];
            Assert.Equal(ids, await bobPage.Locator("#messages .message").EvaluateAllAsync<string[]>("all => all.map(m => m.id)"));
            // It asked for what came after the last event it had applied (an edit), not after the last message it had.
            Assert.Equal(long.Parse((await bob.MessageById(deletedId).GetAttributeAsync("data-seq"))!) + 1, lastSeqBobSaw);
            Assert.Contains($"after={lastSeqBobSaw}", resumedAfter.Last());
        });

    [Fact]
    public Task A_change_to_a_message_older_than_the_page_holds_adds_nothing() =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync(nameof(A_change_to_a_message_older_than_the_page_holds_adds_nothing), async pages =>
        {
            using var writer = server.NewVisitor();
            var slug = await writer.SignUpWithRoomAsync("Long history");
            var size = server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChatOptions>>().Value.HistorySize;
            using (var history = await writer.ConnectAsync(slug))
            {
                for (var i = 0; i < size + 2; i++)
                {
                    await history.SendMessageAsync($"history {i}");
                    await history.ReceiveTextAsync();
                }
            }
            var offPage = await server.QueryAsync(db => db.Messages.Where(m => m.Room!.Slug == slug).OrderBy(m => m.Seq).Select(m => m.Id).Take(2).ToListAsync());

            var page = await SignedInPersonAsync(pages, "reader");
            var room = new RoomPage(page);
            await room.OpenAsync(slug);
            await Expect(room.Messages).ToHaveCountAsync(size);

            using var socket = await writer.ConnectAsync(slug);
            await socket.SendTextAsync($$"""{"type":"edit","id":{{offPage[0]}},"text":"an old message, edited"}""");
            await socket.SendTextAsync($$"""{"type":"delete","id":{{offPage[1]}}}""");
            await socket.SendMessageAsync("after the changes");

            await Expect(room.MessageWithText("after the changes")).ToBeVisibleAsync();
            await Expect(room.Messages).ToHaveCountAsync(size + 1);
            foreach (var id in offPage) await Expect(page.Locator($"#m-{id}")).ToHaveCountAsync(0);
            await Expect(page.Locator("#messages")).Not.ToContainTextAsync("an old message, edited");
            await Expect(page.Locator("#messages .deleted")).ToHaveCountAsync(0);
        });

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public Task Everything_new_in_a_room_is_readable_on_a_phone_in_light_and_dark(ColorScheme scheme) =>
        ChromiumBrowser.WithScreenshotsOnFailureAsync($"{nameof(Everything_new_in_a_room_is_readable_on_a_phone_in_light_and_dark)}-{scheme}", async pages =>
        {
            var (alicePage, alice, bobPage, bob, _) = await AliceAndBobInARoomAsync(pages, "Contrast");
            await alicePage.SetViewportSizeAsync(390, 844);
            await alicePage.EmulateMediaAsync(new() { ColorScheme = scheme });
            var aliceName = await alicePage.Locator("#account-link").TextContentAsync();
            var editedId = await alice.SendAndWaitAsync("to be edited");
            var deletedId = await alice.SendAndWaitAsync("to be deleted");
            await bob.SendAndWaitAsync($"hello @{aliceName}");
            await alice.EditAsync(alice.MessageById(editedId), "edited");
            await alice.DeleteAsync(alice.MessageById(deletedId));
            await Expect(alice.MessageById(deletedId)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdeleted\b"));
            // Typed slowly enough to outlast the page's 3-second pause after the signal its last message sent.
            await bob.Composer.PressSequentiallyAsync("still typing", new() { Delay = 400 });
            await Expect(alice.Typing).Not.ToBeEmptyAsync();
            await Expect(alicePage.Locator("#messages .mention-me")).ToHaveCountAsync(1);
            await alice.Composer.PressAsync("ArrowUp");
            await Expect(alice.Editor).ToBeVisibleAsync();
            await RoomPage.ActionsButton(alice.MessageById(editedId)).ClickAsync();
            await Expect(alice.Menu).ToBeVisibleAsync();

            // Nothing wider than the phone: no sideways scrolling.
            Assert.True(await alicePage.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the room scrolls sideways at 390 px");
            var failures = await alicePage.EvaluateAsync<string[]>(ContrastFailuresScript, new[]
            {
                ".message-author", ".message-meta time", ".edited-mark", ".message-text", ".message-deleted-note", ".mention",
                ".message.mention-me .message-text", ".message.mention-me time", "#typing", ".message-actions", ".message-menu-item",
                ".message-edit-text", ".message-edit-hint", ".message-editor .btn", "#connection-status", ".presence",
            });
            Assert.Empty(failures);

            await alice.MenuItem("Delete").ClickAsync();
            await Expect(alice.DeleteDialog).ToBeVisibleAsync();
            Assert.Empty(await alicePage.EvaluateAsync<string[]>(ContrastFailuresScript, new[] { ".confirm-title", ".confirm-text", ".confirm-dialog .btn" }));
        });

    /// <summary>
    /// WCAG 2.2 contrast (1.4.3, AA: 4.5:1 for text of normal size) of every element matching the selectors, against the
    /// colour actually behind it (translucent layers blended); returns a line per element that falls short.
    /// </summary>
    private const string ContrastFailuresScript = """
        (selectors) => {
            const parse = (css) => {
                const parts = css.match(/[\d.]+/g).map(Number);
                return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
            };
            const over = (top, under) => ({
                r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
                b: top.b * top.a + under.b * (1 - top.a), a: 1 });
            const luminance = ({ r, g, b }) => {
                const channel = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
            };
            const behind = (element) => {
                const layers = [];
                for (let e = element; e; e = e.parentElement) {
                    const colour = parse(getComputedStyle(e).backgroundColor);
                    if (colour.a > 0) layers.push(colour);
                    if (colour.a >= 1) break;
                }
                return layers.reverse().reduce((under, top) => over(top, under), { r: 255, g: 255, b: 255, a: 1 });
            };
            const failures = [];
            for (const selector of selectors) {
                const found = [...document.querySelectorAll(selector)].filter((e) => e.getClientRects().length);
                if (!found.length) failures.push(`${selector}: not on the page`);
                for (const element of found) {
                    const background = behind(element);
                    const text = over(parse(getComputedStyle(element).color), background);
                    const [light, dark] = [luminance(text), luminance(background)].sort((x, y) => y - x);
                    const ratio = (light + 0.05) / (dark + 0.05);
                    if (ratio < 4.5) failures.push(`${selector} "${element.textContent.trim().slice(0, 20)}": ${ratio.toFixed(2)}:1`);
                }
            }
            return failures;
        }
        """;

    /// <summary>Waits until the server has stored that <paramref name="userId"/> read everything in the room so far.</summary>
    private async Task WaitUntilReadAsync(string slug, string userId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var (last, read) = await server.QueryAsync(async db =>
            {
                var room = await db.Rooms.AsNoTracking().SingleAsync(r => r.Slug == slug);
                var marker = await db.RoomReads.AsNoTracking().Where(r => r.RoomId == room.Id && r.UserId == userId).Select(r => (long?)r.LastReadSeq).SingleOrDefaultAsync();
                return (room.LastSeq, marker ?? 0);
            });
            if (read >= last) return;
            Assert.True(DateTime.UtcNow < deadline, $"the page reported {read} read of {last} events");
            await Task.Delay(50);
        }
    }

    /// <summary>What a network drop looks like to one person's page: the server closes their sockets in the room.</summary>
    private void CloseSocketsOf(string slug, string userId)
    {
        // Whichever of them the browser's offline mode has not ended already.
        var rooms = server.Services.GetRequiredService<LiveRooms>();
        foreach (var socket in rooms.Sessions.Where(c => c.Grant.Room == slug && c.Grant.UserId == userId).ToList())
        {
            socket.Close(WebSocketCloseStatus.EndpointUnavailable, "test drops the connection");
        }
    }
}
