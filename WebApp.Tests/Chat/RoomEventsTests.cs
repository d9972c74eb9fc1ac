using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

/// <summary>
/// The room as one stream of numbered events over real sockets: edits and deletions (own messages; any, for the
/// room's owner), resume counting events, typing, read markers and mentions, and every way to ask for something that
/// is not yours.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed partial class RoomEventsTests(ChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _alice = server.NewVisitor();
    private readonly SiteClient _bob = server.NewVisitor();
    private string _slug = "";

    public async Task InitializeAsync()
    {
        // Alice owns the room; Bob is in it too.
        _slug = await _alice.SignUpBothWithRoomAsync(_bob, "Events");
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        return Task.CompletedTask;
    }

    private static Task SendAsync(WebSocket socket, object frame) => socket.SendJsonAsync(frame);

    /// <summary>Sends a message and returns its id and posting number, read from the echo.</summary>
    private static async Task<(long Id, long Seq)> PostAsync(WebSocket socket, string text)
    {
        await socket.SendMessageAsync(text);
        var echo = await socket.ReceiveTextAsync();
        return (SocketExtensions.IdOf(echo), SocketExtensions.SeqOf(echo)!.Value);
    }

    private static bool IsError(string frame) => frame.StartsWith("<div id=\"chat-error\"", StringComparison.Ordinal);

    [Fact]
    public async Task An_edit_is_a_numbered_event_that_replaces_the_message_in_place_for_everyone()
    {
        using var aliceSocket = await _alice.ConnectAsync(_slug);
        using var bobSocket = await _bob.ConnectAsync(_slug);
        var (id, seq) = await PostAsync(aliceSocket, "helo wrld");
        await bobSocket.ReceiveTextAsync();

        await SendAsync(aliceSocket, new { type = "edit", id, text = "hello world" });
        var toAlice = await aliceSocket.ReceiveTextAsync();
        var toBob = await bobSocket.ReceiveTextAsync();

        Assert.Equal(toAlice, toBob);
        Assert.Equal(id, SocketExtensions.IdOf(toBob));
        Assert.Contains($"data-seq=\"{seq}\"", toBob);
        Assert.Equal(seq + 1, SocketExtensions.EventSeqOf(toBob));
        Assert.Contains("hx-swap-oob=\"true\"", toBob);
        Assert.Contains("data-edited=\"true\"", toBob);
        Assert.Contains("class=\"edited-mark\"", toBob);
        Assert.Contains("hello world", toBob);
        Assert.DoesNotContain("helo wrld", toBob);

        var stored = await server.QueryAsync(db => db.Messages.AsNoTracking().SingleAsync(m => m.Id == id));
        Assert.Equal("hello world", stored.Text);
        Assert.NotNull(stored.EditedAt);
        var change = await server.QueryAsync(db => db.MessageChanges.AsNoTracking().SingleAsync(c => c.MessageId == id));
        Assert.Equal((seq + 1, MessageChangeKind.Edited), (change.Seq, change.Kind));
        Assert.Equal(seq + 1, await server.QueryAsync(db => db.Rooms.Where(r => r.Slug == _slug).Select(r => r.LastSeq).SingleAsync()));

        // History shows the current text and the mark, and no swap attributes.
        var page = await _alice.Http.GetStringAsync($"/rooms/{_slug}");
        Assert.Contains("hello world", page);
        Assert.DoesNotContain("helo wrld", page);
        Assert.Contains("data-edited=\"true\"", page);
        Assert.DoesNotContain("hx-swap-oob=\"true\" ", page.Split("id=\"messages\"")[1].Split("</section>")[0].Replace("id=\"presence\"", ""));
    }

    [Fact]
    public async Task A_deletion_leaves_a_placeholder_with_no_text_live_and_in_history()
    {
        using var aliceSocket = await _alice.ConnectAsync(_slug);
        using var bobSocket = await _bob.ConnectAsync(_slug);
        var (id, seq) = await PostAsync(aliceSocket, "a secret I regret");
        await bobSocket.ReceiveTextAsync();

        await SendAsync(aliceSocket, new { type = "delete", id });
        var toBob = await bobSocket.ReceiveTextAsync();
        Assert.Equal(toBob, await aliceSocket.ReceiveTextAsync());

        Assert.Equal(id, SocketExtensions.IdOf(toBob));
        Assert.Contains("class=\"message deleted\"", toBob);
        Assert.Equal(seq + 1, SocketExtensions.EventSeqOf(toBob));
        Assert.DoesNotContain("a secret I regret", toBob);
        Assert.DoesNotContain("message-text", toBob);

        var stored = await server.QueryAsync(db => db.Messages.AsNoTracking().SingleAsync(m => m.Id == id));
        Assert.Equal("", stored.Text);
        Assert.NotNull(stored.DeletedAt);
        var page = await _bob.Http.GetStringAsync($"/rooms/{_slug}");
        Assert.DoesNotContain("a secret I regret", page);
        Assert.Contains($"id=\"m-{id}\" class=\"message deleted\"", page);
    }

    [Fact]
    public async Task The_rooms_owner_may_delete_anyones_message_and_nobody_else_may()
    {
        using var aliceSocket = await _alice.ConnectAsync(_slug);
        using var bobSocket = await _bob.ConnectAsync(_slug);
        var (aliceMessage, _) = await PostAsync(aliceSocket, "owner's words");
        await bobSocket.ReceiveTextAsync();
        var (bobMessage, _) = await PostAsync(bobSocket, "bob's words");
        await aliceSocket.ReceiveTextAsync();

        // Bob is not the owner: Alice's message stays.
        await SendAsync(bobSocket, new { type = "delete", id = aliceMessage });
        var refusal = await bobSocket.ReceiveTextAsync();
        Assert.True(IsError(refusal), refusal);
        Assert.Contains("only delete your own", refusal);

        // Alice owns the room: Bob's message goes.
        await SendAsync(aliceSocket, new { type = "delete", id = bobMessage });
        Assert.Contains("message deleted", await bobSocket.ReceiveTextAsync());
        Assert.Contains("message deleted", await aliceSocket.ReceiveTextAsync());

        // Nobody edits someone else's message, not even the owner.
        await SendAsync(aliceSocket, new { type = "edit", id = aliceMessage, text = "fine" });
        Assert.Contains("data-edited", await aliceSocket.ReceiveTextAsync());
        await bobSocket.ReceiveTextAsync();
        var (bobSecond, _) = await PostAsync(bobSocket, "bob again");
        await aliceSocket.ReceiveTextAsync();
        await SendAsync(aliceSocket, new { type = "edit", id = bobSecond, text = "words in bob's mouth" });
        var editRefusal = await aliceSocket.ReceiveTextAsync();
        Assert.True(IsError(editRefusal), editRefusal);
        Assert.Contains("only edit your own", editRefusal);

        var texts = await server.QueryAsync(db => db.Messages.AsNoTracking().Where(m => m.Room!.Slug == _slug).OrderBy(m => m.Seq).Select(m => m.Text).ToListAsync());
        Assert.Equal(["fine", "", "bob again"], texts);
    }

    public static TheoryData<string, string> RefusedChanges => new()
    {
        // kind of bad request, frame template sent by Alice, the room's owner ({bob} = one of Bob's messages, {own} =
        // one of hers, {other} = hers in another room); a non-owner deleting another's message is the test above.
        { "someone else's message", """{"type":"edit","id":{bob},"text":"x"}""" },
        { "an unknown id", """{"type":"edit","id":987654321,"text":"x"}""" },
        { "a negative id", """{"type":"delete","id":-1}""" },
        { "your own message in another room", """{"type":"edit","id":{other},"text":"x"}""" },
        { "your own message in another room, delete", """{"type":"delete","id":{other}}""" },
        { "an already deleted message", """{"type":"edit","id":{deleted},"text":"x"}""" },
        { "an already deleted message, delete", """{"type":"delete","id":{deleted}}""" },
        { "no id", """{"type":"edit","text":"x"}""" },
        { "an id that is a string", """{"type":"delete","id":"{bob}"}""" },
        { "an id that is a fraction", """{"type":"delete","id":1.5}""" },
        { "a blank edit", """{"type":"edit","id":{own},"text":"   "}""" },
        { "an edit of invisible characters", """{"type":"edit","id":{own},"text":"\u200B\u2060\uFEFF"}""" },
        { "an edit with control characters", """{"type":"edit","id":{own},"text":"a\u0007b"}""" },
        { "an edit over the length limit", """{"type":"edit","id":{own},"text":"{long}"}""" },
        { "an edit with no text", """{"type":"edit","id":{own}}""" },
    };

    [Theory]
    [MemberData(nameof(RefusedChanges))]
    public async Task A_change_that_is_not_allowed_gets_an_error_and_changes_nothing(string kind, string template)
    {
        using var aliceSocket = await _alice.ConnectAsync(_slug);
        using var bobSocket = await _bob.ConnectAsync(_slug);
        var (own, _) = await PostAsync(aliceSocket, "mine");
        await bobSocket.ReceiveTextAsync();
        var (deleted, _) = await PostAsync(aliceSocket, "gone");
        await bobSocket.ReceiveTextAsync();
        await SendAsync(aliceSocket, new { type = "delete", id = deleted });
        await aliceSocket.ReceiveTextAsync();
        await bobSocket.ReceiveTextAsync();
        var (bob, _) = await PostAsync(bobSocket, "bob's");
        await aliceSocket.ReceiveTextAsync();
        var elsewhere = await _alice.CreateRoomAsync($"Elsewhere {Guid.NewGuid():N}");
        using (var elsewhereSocket = await _alice.ConnectAsync(elsewhere))
        {
            var (other, _) = await PostAsync(elsewhereSocket, "in the other room");
            template = template.Replace("{other}", other.ToString());
        }
        var before = await SnapshotAsync();

        await aliceSocket.SendTextAsync(template
            .Replace("{own}", own.ToString()).Replace("{deleted}", deleted.ToString()).Replace("{bob}", bob.ToString())
            .Replace("{long}", new string('x', ChatMessage.TextMaxLength + 1)));

        var answer = await aliceSocket.ReceiveTextAsync();
        Assert.True(IsError(answer), $"{kind}: {answer}");
        // Nobody else hears of it: Bob's next frame is the next message.
        await aliceSocket.SendMessageAsync("after the refusal");
        Assert.Contains("after the refusal", await bobSocket.ReceiveTextAsync());
        await aliceSocket.ReceiveTextAsync();
        var after = await SnapshotAsync();
        Assert.Equal(before.Changes, after.Changes);
        Assert.Equal(before.Texts, after.Texts.Take(before.Texts.Count));
        Assert.Contains(server.Logs.Lines, line => line.Contains("Rejected a frame from user"));
    }

    private async Task<(int Changes, List<string> Texts)> SnapshotAsync() => await server.QueryAsync(async db =>
        (await db.MessageChanges.CountAsync(),
         await db.Messages.AsNoTracking().OrderBy(m => m.Id).Select(m => m.Text + "|" + m.DeletedAt).ToListAsync()));

    [Fact]
    public async Task Resume_sends_every_event_after_the_last_one_seen_in_order_exactly_once()
    {
        using var aliceSocket = await _alice.ConnectAsync(_slug);
        var (first, _) = await PostAsync(aliceSocket, "first");
        var (second, _) = await PostAsync(aliceSocket, "second");
        using (var bobSocket = await _bob.ConnectAsync(_slug))
        {
            await SendAsync(bobSocket, new { type = "read", seq = 0 }); // anything, to know the socket is in
        }
        var seenByBob = await server.QueryAsync(db => db.Rooms.Where(r => r.Slug == _slug).Select(r => r.LastSeq).SingleAsync());

        // While Bob is away: a new message, an edit of an old one, a deletion of another, and an edit of the new one.
        var (third, thirdSeq) = await PostAsync(aliceSocket, "third");
        await SendAsync(aliceSocket, new { type = "edit", id = first, text = "first, edited" });
        var editSeq = SocketExtensions.EventSeqOf(await aliceSocket.ReceiveTextAsync());
        await SendAsync(aliceSocket, new { type = "delete", id = second });
        var deleteSeq = SocketExtensions.EventSeqOf(await aliceSocket.ReceiveTextAsync());
        await SendAsync(aliceSocket, new { type = "edit", id = third, text = "third, edited" });
        var editThirdSeq = SocketExtensions.EventSeqOf(await aliceSocket.ReceiveTextAsync());
        Assert.Equal([seenByBob + 1, seenByBob + 2, seenByBob + 3, seenByBob + 4], new[] { thirdSeq, editSeq, deleteSeq, editThirdSeq });

        using var back = await _bob.ConnectAsync(_slug, after: seenByBob);
        var frames = new List<string>();
        for (var i = 0; i < 4; i++) frames.Add(await back.ReceiveTextAsync());
        // Then a live one, and nothing was doubled before it.
        await aliceSocket.SendMessageAsync("live");
        var live = await back.ReceiveTextAsync();
        Assert.Contains("live", live);

        Assert.Equal([thirdSeq, editSeq, deleteSeq, editThirdSeq], frames.Select(f => SocketExtensions.EventSeqOf(f) ?? SocketExtensions.SeqOf(f)));
        Assert.Equal([third, first, second, third], frames.Select(SocketExtensions.IdOf));
        Assert.DoesNotContain("hx-swap-oob", frames[0]);
        Assert.Contains("first, edited", frames[1]);
        Assert.Contains("class=\"message deleted\"", frames[2]);
        Assert.Contains("third, edited", frames[3]);
        Assert.Equal(editThirdSeq + 1, SocketExtensions.SeqOf(live));
    }

    [Fact]
    public async Task Too_many_missed_events_ask_for_a_reload_counting_edits_too()
    {
        // MaxCatchUp is 500 by default: 300 messages and 300 edits are 600 events.
        using var aliceSocket = await _alice.ConnectAsync(_slug);
        var start = await server.QueryAsync(db => db.Rooms.Where(r => r.Slug == _slug).Select(r => r.LastSeq).SingleAsync());
        var (id, _) = await PostAsync(aliceSocket, "edited many times");
        for (var i = 0; i < 260; i++)
        {
            await SendAsync(aliceSocket, new { type = "edit", id, text = $"version {i}" });
            var frame = await aliceSocket.ReceiveTextAsync();
            if (IsError(frame)) { i--; await Task.Delay(100); }
        }
        for (var i = 0; i < 260; i++)
        {
            var frame = await PostOrWaitAsync(aliceSocket, $"message {i}");
            if (frame is null) i--;
        }
        using var back = await _bob.ConnectAsync(_slug, after: start);
        var resync = await back.ReceiveTextAsync();
        Assert.StartsWith("<div id=\"chat-resync\"", resync);
        Assert.Contains("data-missed=\"521\"", resync);
    }

    /// <summary>Posts and returns the echo, or null (after a pause) when the rate limit refused it.</summary>
    private static async Task<string?> PostOrWaitAsync(WebSocket socket, string text)
    {
        await socket.SendMessageAsync(text);
        var frame = await socket.ReceiveTextAsync();
        if (!IsError(frame)) return frame;
        await Task.Delay(100);
        return null;
    }

    [Fact]
    public async Task Typing_reaches_the_room_once_per_interval_and_is_never_a_strike()
    {
        using var aliceSocket = await _alice.ConnectAsync(_slug);
        using var bobSocket = await _bob.ConnectAsync(_slug);
        await _bob.SetDisplayNameAsync("Bob Typist");
        using var bobRenamed = await _bob.ConnectAsync(_slug);
        var bobId = await _bob.UserIdAsync(_slug);

        // Far more than the rejections a socket may rack up (30): none of these is one.
        for (var i = 0; i < 100; i++) await SendAsync(bobRenamed, new { type = "typing" });
        var typing = await aliceSocket.ReceiveTextAsync();
        Assert.StartsWith("<div class=\"typing-event\"", typing);
        Assert.Contains($"data-user-id=\"{bobId}\"", typing);
        Assert.Contains("data-name=\"Bob Typist\"", typing);

        // The 99 others were dropped: Alice's next frame is the next message.
        await bobRenamed.SendMessageAsync("done typing");
        Assert.Contains("done typing", await aliceSocket.ReceiveTextAsync());
        Assert.Equal(WebSocketState.Open, bobRenamed.State);
        Assert.DoesNotContain(server.Logs.Lines, line => line.Contains($"user {bobId}") && line.Contains("Rejected"));
        // Nothing of it is stored.
        Assert.Equal(1, await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == _slug)));
    }

    [Fact]
    public async Task Read_markers_keep_the_highest_number_reported_never_past_the_room()
    {
        using var aliceSocket = await _alice.ConnectAsync(_slug);
        using var bobSocket = await _bob.ConnectAsync(_slug);
        var bobId = await _bob.UserIdAsync(_slug);
        for (var i = 0; i < 3; i++)
        {
            await PostAsync(aliceSocket, $"m{i}");
            await bobSocket.ReceiveTextAsync();
        }
        var roomId = await server.QueryAsync(db => db.Rooms.Where(r => r.Slug == _slug).Select(r => r.Id).SingleAsync());

        await SendAsync(bobSocket, new { type = "read", seq = 2 });
        Assert.Equal(2, await ReadMarkerAsync(bobId, roomId, expected: 2));
        await SendAsync(bobSocket, new { type = "read", seq = 1 });
        await SendAsync(bobSocket, new { type = "read", seq = 1_000_000 });
        // Clamped to what the room has (3), and never moved back by the 1.
        Assert.Equal(3, await ReadMarkerAsync(bobId, roomId, expected: 3));

        foreach (var bad in new object[] { new { type = "read" }, new { type = "read", seq = -1 }, new { type = "read", seq = "3" } })
        {
            await SendAsync(bobSocket, bad);
            Assert.True(IsError(await bobSocket.ReceiveTextAsync()));
        }
    }

    private async Task<long?> ReadMarkerAsync(string userId, int roomId, long expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var marker = await server.QueryAsync(db => db.RoomReads.AsNoTracking()
                .Where(r => r.UserId == userId && r.RoomId == roomId).Select(r => (long?)r.LastReadSeq).SingleOrDefaultAsync());
            if (marker == expected || DateTime.UtcNow > deadline) return marker;
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_mention_names_the_longest_matching_display_name_in_any_form()
    {
        using var carol = server.NewVisitor();
        using var bobby = server.NewVisitor();
        await carol.RegisterAsync();
        await bobby.RegisterAsync();
        var unique = Guid.NewGuid().ToString("N")[..6];
        await _bob.SetDisplayNameAsync($"Bob {unique} Smith");
        await bobby.SetDisplayNameAsync($"Bob {unique}");
        await carol.SetDisplayNameAsync($"Carol{unique}");
        var bobId = await _bob.UserIdAsync(_slug);
        var bobbyId = await bobby.UserIdAsync(_slug);
        var carolId = await carol.UserIdAsync(_slug);
        using var aliceSocket = await _alice.ConnectAsync(_slug);

        var fullwidthCarol = string.Concat($"carol{unique}".Select(c => (char)(c + 0xFEE0)));
        var (id, _) = await PostAsync(aliceSocket,
            $"hi @Bob {unique} Smith, and @bob {unique}! also @{fullwidthCarol}. not mail@Bob {unique} nor @Bob {unique}x");
        var frame = await server.QueryAsync(db => db.MessageMentions.AsNoTracking().Where(m => m.MessageId == id).ToListAsync());

        Assert.Equal(new[] { bobId, bobbyId, carolId }.Order(), frame.Select(m => m.UserId).Order());
        var page = await _alice.Http.GetStringAsync($"/rooms/{_slug}");
        Assert.Contains($"<span class=\"mention\" data-user-id=\"{bobId}\">@Bob {unique} Smith</span>", page);
        Assert.Contains($"<span class=\"mention\" data-user-id=\"{bobbyId}\">@bob {unique}</span>", page);
        // The site's encoder writes every Unicode character as itself (CJK pages would otherwise triple in size).
        Assert.Contains($"<span class=\"mention\" data-user-id=\"{carolId}\">@{fullwidthCarol}</span>", page);
        Assert.Contains($"mail@Bob {unique} nor", page);
        Assert.Contains($"@Bob {unique}x", page);
    }

    [Fact]
    public async Task In_a_private_room_only_its_people_can_be_mentioned()
    {
        using var owner = server.NewVisitor();
        using var member = server.NewVisitor();
        using var outsider = server.NewVisitor();
        var unique = Guid.NewGuid().ToString("N")[..6];
        var slug = await owner.SignUpWithRoomAsync($"Private {unique}", isPrivate: true);
        await member.RegisterAsync();
        await outsider.RegisterAsync();
        await member.SetDisplayNameAsync($"Member{unique}");
        await outsider.SetDisplayNameAsync($"Outsider{unique}");
        await owner.InviteAsync(slug, $"Member{unique}");
        using var socket = await owner.ConnectAsync(slug);

        var (id, _) = await PostAsync(socket, $"@Member{unique} and @Outsider{unique}");

        var mentioned = await server.QueryAsync(db => db.MessageMentions.Where(m => m.MessageId == id).Select(m => m.UserId).ToListAsync());
        Assert.Equal([await member.UserIdAsync(slug)], mentioned);
    }

    [Fact]
    public async Task An_edit_replaces_the_mentions_and_a_deletion_removes_them()
    {
        using var aliceSocket = await _alice.ConnectAsync(_slug);
        var unique = Guid.NewGuid().ToString("N")[..6];
        await _bob.SetDisplayNameAsync($"Bob{unique}");
        var (id, _) = await PostAsync(aliceSocket, $"hey @Bob{unique}");
        Assert.Equal(1, await server.QueryAsync(db => db.MessageMentions.CountAsync(m => m.MessageId == id)));

        await SendAsync(aliceSocket, new { type = "edit", id, text = "hey nobody" });
        Assert.DoesNotContain("class=\"mention\"", await aliceSocket.ReceiveTextAsync());
        Assert.Equal(0, await server.QueryAsync(db => db.MessageMentions.CountAsync(m => m.MessageId == id)));

        await SendAsync(aliceSocket, new { type = "edit", id, text = $"hey @Bob{unique} again" });
        Assert.Contains("class=\"mention\"", await aliceSocket.ReceiveTextAsync());
        await SendAsync(aliceSocket, new { type = "delete", id });
        await aliceSocket.ReceiveTextAsync();
        Assert.Equal(0, await server.QueryAsync(db => db.MessageMentions.CountAsync(m => m.MessageId == id)));
    }

    [Fact]
    public async Task A_mention_is_found_however_many_people_share_the_first_word()
    {
        var unique = Guid.NewGuid().ToString("N")[..6];
        // Sixty people called "Crowd… n": a look-up by the first word alone would see only some of them.
        var ids = await server.QueryAsync(async db =>
        {
            var crowd = Enumerable.Range(1, 60).Select(n => new AppUser
            {
                UserName = $"crowd{n}-{unique}@example.test", Email = $"crowd{n}-{unique}@example.test",
                DisplayName = $"Crowd{unique} {n}", NormalizedDisplayName = UserText.Key($"Crowd{unique} {n}"),
            }).ToList();
            db.Users.AddRange(crowd);
            await db.SaveChangesAsync();
            return crowd.Select(u => u.Id).ToList();
        });
        using var aliceSocket = await _alice.ConnectAsync(_slug);

        var (id, _) = await PostAsync(aliceSocket, $"@Crowd{unique} 59 and @crowd{unique} 1, not @Crowd{unique} 61");

        var mentioned = await server.QueryAsync(db => db.MessageMentions.Where(m => m.MessageId == id).Select(m => m.UserId).ToListAsync());
        Assert.Equal(new[] { ids[58], ids[0] }.Order(), mentioned.Order());
    }
}
