using System.Net.WebSockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Chat;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

[Collection(ChatServerCollection.Name)]
public sealed class MessageBroadcastTests(ChatServer server)
{
    [Fact]
    public async Task Message_is_persisted_and_reaches_every_socket_in_the_room_but_no_other_room()
    {
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        await alice.RegisterAsync(SiteClient.NewEmail("alice"));
        await bob.RegisterAsync(SiteClient.NewEmail("bob"));
        var lobby = await alice.CreateRoomAsync("Lobby");
        var elsewhere = await bob.CreateRoomAsync("Elsewhere");

        using var aliceSocket = await alice.ConnectAsync(lobby);
        using var bobSocket = await bob.ConnectAsync(lobby);
        using var bystander = await bob.ConnectAsync(elsewhere);

        await aliceSocket.SendMessageAsync("  Hello <b>Bob</b> & co  ");
        var toAlice = await aliceSocket.ReceiveTextAsync();
        var toBob = await bobSocket.ReceiveTextAsync();

        var stored = await server.QueryAsync(db => db.Messages.AsNoTracking().SingleAsync(m => m.Room!.Slug == lobby));
        Assert.Equal("Hello <b>Bob</b> & co", stored.Text);
        Assert.Equal(1, stored.Seq);
        Assert.Equal(toAlice, toBob);
        Assert.Contains($"id=\"m-{stored.Id}\"", toBob);
        Assert.Contains("Hello &lt;b&gt;Bob&lt;/b&gt; &amp; co", toBob);
        Assert.Contains(stored.AuthorName, toBob);
        Assert.Contains("<time datetime=\"", toBob);

        // The other room's socket gets its own room's message first: nothing from the lobby leaked to it.
        await bystander.SendMessageAsync("only here");
        Assert.Contains("only here", await bystander.ReceiveTextAsync());
    }

    [Fact]
    public async Task Socket_fragment_is_the_same_markup_as_the_pages_history()
    {
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Same markup");
        using var socket = await alice.ConnectAsync(slug);

        await socket.SendMessageAsync("rendered once");
        var fragment = (await socket.ReceiveTextAsync()).Trim();

        // Someone else's page shows exactly what the socket sent; the author's own marks it as theirs.
        Assert.Contains(fragment, await bob.Http.GetStringAsync($"/rooms/{slug}"));
        Assert.Contains(fragment.Replace("class=\"message\"", "class=\"message mine\""), await alice.Http.GetStringAsync($"/rooms/{slug}"));
    }

    [Fact]
    public async Task Identity_comes_from_the_token_not_the_frame()
    {
        using var alice = server.NewVisitor();
        var email = await alice.RegisterAsync(SiteClient.NewEmail("alice"));
        var slug = await alice.CreateRoomAsync("Impersonation");
        using var socket = await alice.ConnectAsync(slug);

        await socket.SendTextAsync("""{"text": "hi", "author": "mallory", "sender": "mallory", "room": "elsewhere"}""");
        var fragment = await socket.ReceiveTextAsync();

        Assert.Contains(email.Split('@')[0], fragment);
        Assert.DoesNotContain("mallory", fragment);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"text": "   "}""")]
    [InlineData("""{"type": "shout", "text": "hi"}""")]
    public async Task Bad_frames_get_an_error_fragment_and_nothing_is_stored(string frame)
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Bad frames");
        using var socket = await alice.ConnectAsync(slug);

        await socket.SendTextAsync(frame);
        var answer = await socket.ReceiveTextAsync();

        Assert.Contains("id=\"chat-error\"", answer);
        Assert.Equal(0, await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    /// <summary>Text that shows nothing, and text with C0/C1 controls, each one member of its kind (issue 11).</summary>
    public static TheoryData<string> RefusedTexts => new()
    {
        "\u200B", "\u200B\u200B", "\u200C\u200D", "\u200E\u200F", "\u2060\u2064", "\uFEFF", "\u180E", "\u034F",
        "\uFE0F", "\U000E0100", "\U000E0001\U000E0020", "\U0001D173", "\u00AD", "\u202E",
        "\u115F", "\u1160", "\u3164", "\uFFA0", "\u2800", "\u0301", "\u20DD", " \u3000 \u00A0 ", "\n\t\r\n",
        "nul\u0000byte", "bell\u0007", "\u001B[31mred", "back\bspace", "form\ffeed", "vertical\vtab", "del\u007F",
        "c1\u0080", "csi\u009B", "\u009F",
    };

    [Theory]
    [MemberData(nameof(RefusedTexts))]
    public async Task Blank_or_control_text_gets_an_error_fragment_is_not_stored_and_the_socket_stays_open(string text)
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Odd text");
        using var socket = await alice.ConnectAsync(slug);

        await socket.SendMessageAsync(text);
        var answer = await socket.ReceiveTextAsync();

        Assert.Contains("id=\"chat-error\"", answer);
        Assert.Equal(0, await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)));
        await socket.SendMessageAsync("still here");
        Assert.Contains("still here", await socket.ReceiveTextAsync());
    }

    /// <summary>An escaped lone surrogate is the one way half a character can arrive in UTF-8 JSON.</summary>
    [Theory]
    [InlineData("""{"text": "a\ud800b"}""")]
    [InlineData("""{"text": "\udc00"}""")]
    public async Task An_escaped_lone_surrogate_is_refused(string frame)
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Half characters");
        using var socket = await alice.ConnectAsync(slug);

        await socket.SendTextAsync(frame);

        Assert.Contains("id=\"chat-error\"", await socket.ReceiveTextAsync());
        Assert.Equal(0, await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Theory]
    [InlineData("one\r\ntwo", "one\ntwo")]
    [InlineData("one\rtwo", "one\ntwo")]
    [InlineData("one\u0085two", "one\ntwo")]
    [InlineData("one\u2028two\u2029three", "one\ntwo\nthree")]
    [InlineData("tab\tkept\n", "tab\tkept")]
    public async Task Every_line_break_is_stored_as_a_line_feed(string text, string stored)
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Line breaks");
        using var socket = await alice.ConnectAsync(slug);

        await socket.SendMessageAsync(text);
        await socket.ReceiveTextAsync();

        Assert.Equal(stored, await server.QueryAsync(db => db.Messages.Where(m => m.Room!.Slug == slug).Select(m => m.Text).SingleAsync()));
    }

    [Fact]
    public async Task Over_long_text_gets_an_error_fragment()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Long text");
        using var socket = await alice.ConnectAsync(slug);

        await socket.SendMessageAsync(new string('x', 2001));

        Assert.Contains("at most 2000 characters", await socket.ReceiveTextAsync());
        await socket.SendMessageAsync(new string('y', 2000));
        Assert.Contains(new string('y', 2000), await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task Binary_frame_closes_with_1003()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Binary");
        using var socket = await alice.ConnectAsync(slug);

        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, SiteClient.TimeoutToken());

        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, await socket.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Message_over_the_frame_limit_closes_with_1009_even_when_split_into_frames()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Too big");
        using var socket = await alice.ConnectAsync(slug);

        var chunk = new byte[8 * 1024];
        Array.Fill(chunk, (byte)'a');
        await socket.SendAsync(chunk, WebSocketMessageType.Text, false, SiteClient.TimeoutToken());
        await socket.SendAsync(chunk, WebSocketMessageType.Text, false, SiteClient.TimeoutToken());
        await socket.SendAsync(chunk, WebSocketMessageType.Text, true, SiteClient.TimeoutToken());

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await socket.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Invalid_utf8_closes_with_1007()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Bad bytes");
        using var socket = await alice.ConnectAsync(slug);

        await socket.SendAsync(new byte[] { (byte)'{', 0xC3, 0x28, (byte)'}' }, WebSocketMessageType.Text, true, SiteClient.TimeoutToken());

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, await socket.ReceiveCloseAsync());
        Assert.Equal(0, await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)));
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_closed_and_never_delays_the_room()
    {
        using var alice = server.NewVisitor();
        using var sleepy = server.NewVisitor();
        var slug = await alice.SignUpBothWithRoomAsync(sleepy, "Stalled reader");
        using var stalled = await sleepy.ConnectAsync(slug); // never reads until the end
        using var active = await alice.ConnectAsync(slug);
        var rooms = server.Services.GetRequiredService<LiveRooms>();
        var text = new string('z', 1990);
        // Both sockets join just after their handshakes; start once the room has them.
        while (rooms.Sessions.Count(c => c.Grant.Room == slug) < 2) await Task.Delay(10);

        // Keep talking until the server gives up on the stalled socket (its queue and the TCP buffers fill first).
        var sent = 0;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (rooms.Sessions.Count(c => c.Grant.Room == slug) == 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the stalled socket was still open after {sent} messages");
            await active.SendMessageAsync($"{sent} {text}");
            Assert.Contains($"data-seq=\"{sent + 1}\"", await active.ReceiveTextAsync());
            sent++;
        }

        // Not before it had more than Chat:OutboundQueueBytes (256 KiB here) waiting, the TCP buffers full besides.
        Assert.True(sent * text.Length > 256 * 1024, $"closed after {sent} messages");
        Assert.Equal(sent, await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)));
        Assert.Equal(WebSocketState.Open, active.State);
    }

    [Fact]
    public async Task Display_name_set_on_the_account_page_signs_new_messages()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Renamed");

        var saved = await alice.PostFormAsync("/Identity/Account/Manage", new() { ["Input.DisplayName"] = "  Captain Alice " });
        using var socket = await alice.ConnectAsync(slug);
        await socket.SendMessageAsync("ahoy");

        Assert.Equal(System.Net.HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Matches("<a class=\"message-author\" href=\"/people/[^\"]+\" dir=\"auto\">Captain Alice</a>", await socket.ReceiveTextAsync());
        Assert.Contains("Captain Alice", await alice.Http.GetStringAsync("/"));
    }
}
