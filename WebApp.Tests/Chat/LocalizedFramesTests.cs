using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Chat;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

/// <summary>
/// What comes over a socket is in its reader's language (the upgrade request's culture: Accept-Language here), and a
/// room's frame is rendered once per language present in the room, never once per person.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class LocalizedFramesTests(ChatServer server)
{
    private RazorPartialRenderer Renderer => server.Services.GetRequiredService<RazorPartialRenderer>();

    /// <summary>Signs a visitor up asking for <paramref name="language"/> (null: no Accept-Language, English).</summary>
    private async Task<SiteClient> VisitorAsync(string who, string? language)
    {
        var visitor = new SiteClient(server.BaseAddress) { AcceptLanguage = language };
        await visitor.RegisterAsync(SiteClient.NewEmail(who));
        return visitor;
    }

    /// <summary>The next error fragment on <paramref name="socket"/> (anything else, e.g. presence, is read past).</summary>
    private static async Task<string> NextErrorAsync(WebSocket socket)
    {
        while (true)
        {
            var frame = await socket.ReceiveTextAsync();
            if (frame.Contains("id=\"chat-error\"", StringComparison.Ordinal)) return frame;
        }
    }

    private static async Task<string> NextContainingAsync(WebSocket socket, string text)
    {
        while (true)
        {
            var frame = await socket.ReceiveTextAsync();
            if (frame.Contains(text, StringComparison.Ordinal)) return frame;
        }
    }

    public static TheoryData<string, string?, string> RefusedFrames => new()
    {
        // A refused frame of each kind: blank text, an unknown type, an edit without an id, a read report without seq.
        { """{"text": "   "}""", null, "Write something first." },
        { """{"text": "   "}""", "ja", "先に何か入力してください。" },
        { """{"text": "   "}""", "zh-Hans", "请先输入内容。" },
        { """{"type": "shout", "text": "hi"}""", null, "Unknown message type" },
        { """{"type": "shout", "text": "hi"}""", "ja", "不明なメッセージの種類" },
        { """{"type": "shout", "text": "hi"}""", "zh-Hans", "未知的消息类型" },
        { """{"type": "edit", "text": "hi"}""", "ja", "編集にはメッセージの ID が必要です。" },
        { """{"type": "edit", "text": "hi"}""", "zh-Hans", "编辑需要提供消息的 ID。" },
        { """{"type": "read"}""", "ja", "既読の報告には 0 以上の整数 seq が必要です。" },
        { """{"type": "read"}""", "zh-Hans", "已读报告需要 seq（非负整数）。" },
        { """{"type": "delete", "id": 999999999}""", "ja", "削除するメッセージが見つかりません" },
        { """{"type": "delete", "id": 999999999}""", "zh-Hans", "这里没有要删除的消息" },
    };

    [Theory]
    [MemberData(nameof(RefusedFrames))]
    public async Task A_refused_frame_is_explained_in_the_sockets_language(string frame, string? language, string expected)
    {
        using var person = await VisitorAsync("refused", language);
        var slug = await person.CreateRoomAsync("Refusals");
        using var socket = await person.ConnectAsync(slug);

        await socket.SendTextAsync(frame);

        Assert.Contains(expected, await NextErrorAsync(socket));
    }

    [Fact]
    public async Task In_one_room_each_socket_reads_refusals_and_presence_in_its_own_language()
    {
        using var alice = await VisitorAsync("alice", null);
        using var kenji = await VisitorAsync("kenji", "ja");
        using var mei = await VisitorAsync("mei", "zh-Hans");
        var slug = await alice.CreateRoomAsync("Three languages");
        using var aliceSocket = await alice.ConnectAsync(slug);
        using var kenjiSocket = await kenji.ConnectAsync(slug);
        using var meiSocket = await mei.ConnectAsync(slug);
        await aliceSocket.WaitForPresenceAsync(view => view.Names.Count == 3, "three online");
        await kenjiSocket.WaitForPresenceAsync(view => view.Names.Count == 3, "three online");
        await meiSocket.WaitForPresenceAsync(view => view.Names.Count == 3, "three online");

        Assert.Equal("3 online", aliceSocket.Presence().CountText);
        Assert.Equal("3 人がオンライン", kenjiSocket.Presence().CountText);
        Assert.Equal("3 人在线", meiSocket.Presence().CountText);

        foreach (var socket in new[] { aliceSocket, kenjiSocket, meiSocket }) await socket.SendTextAsync("""{"text": "   "}""");
        Assert.Contains("Write something first.", await NextErrorAsync(aliceSocket));
        Assert.Contains("先に何か入力してください。", await NextErrorAsync(kenjiSocket));
        Assert.Contains("请先输入内容。", await NextErrorAsync(meiSocket));

        // A deletion reads as deleted in each language; the message itself is never translated.
        await aliceSocket.SendMessageAsync("Hello 皆さん");
        var posted = await NextContainingAsync(kenjiSocket, "Hello 皆さん");
        await NextContainingAsync(aliceSocket, "Hello 皆さん");
        await NextContainingAsync(meiSocket, "Hello 皆さん");
        await aliceSocket.SendJsonAsync(new { type = "delete", id = SocketExtensions.IdOf(posted) });
        Assert.Contains(">Message deleted<", await NextContainingAsync(aliceSocket, "data-deleted"));
        Assert.Contains(">メッセージは削除されました<", await NextContainingAsync(kenjiSocket, "data-deleted"));
        Assert.Contains(">消息已删除<", await NextContainingAsync(meiSocket, "data-deleted"));
    }

    [Theory]
    [InlineData(new[] { "en", "en", "en", "ja", "ja" }, 2)]
    [InlineData(new[] { "ja", "zh-Hans", "en", "zh-Hans", "ja" }, 3)]
    [InlineData(new[] { "en", "en", "en", "en", "en" }, 1)]
    [InlineData(new[] { "ja", "ja", "ja" }, 1)]
    public async Task A_rooms_event_is_rendered_once_per_language_present_never_per_socket(string[] languages, int renders)
    {
        using var owner = await VisitorAsync("owner", languages[0]);
        var slug = await owner.CreateRoomAsync("Rendered once each");
        var readers = new List<SiteClient>();
        var sockets = new List<ClientWebSocket>();
        try
        {
            foreach (var language in languages)
            {
                var reader = await VisitorAsync("reader", language);
                readers.Add(reader);
                sockets.Add(await reader.ConnectAsync(slug));
            }
            using var ownerSocket = await owner.ConnectAsync(slug);
            await ownerSocket.SendMessageAsync("counted");
            var posted = await NextContainingAsync(ownerSocket, "counted");
            foreach (var socket in sockets) await NextContainingAsync(socket, "counted");

            var before = Renderer.Renders(RazorPartialRenderer.MessagesPartial);
            await ownerSocket.SendJsonAsync(new { type = "delete", id = SocketExtensions.IdOf(posted) });
            await NextContainingAsync(ownerSocket, "data-deleted");
            foreach (var socket in sockets) await NextContainingAsync(socket, "data-deleted");

            Assert.Equal(renders, Renderer.Renders(RazorPartialRenderer.MessagesPartial) - before);
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
            foreach (var reader in readers) reader.Dispose();
        }
    }

    [Theory]
    [InlineData("ja", "メッセージは削除されました", "Message deleted")]
    [InlineData("zh-Hans", "消息已删除", "Message deleted")]
    [InlineData(null, "Message deleted", "メッセージは削除されました")]
    public async Task The_shared_history_is_never_served_in_another_readers_language(string? language, string expected, string foreign)
    {
        using var author = await VisitorAsync("author", "ja");
        var slug = await author.CreateRoomAsync("History in languages");
        using (var socket = await author.ConnectAsync(slug))
        {
            await socket.SendMessageAsync("to be deleted");
            var posted = await NextContainingAsync(socket, "to be deleted");
            await socket.SendJsonAsync(new { type = "delete", id = SocketExtensions.IdOf(posted) });
            await NextContainingAsync(socket, "data-deleted");
        }
        // Readers of the other languages fill the cache first, at the same room state and zone.
        foreach (var other in new[] { null, "ja", "zh-Hans" }.Where(other => other != language))
        {
            using var earlier = await VisitorAsync("earlier", other);
            await earlier.Http.GetStringAsync($"/rooms/{slug}");
        }
        using var reader = await VisitorAsync("reader", language);

        var html = await reader.Http.GetStringAsync($"/rooms/{slug}");

        Assert.Contains(expected, html);
        Assert.DoesNotContain(foreign, html);
    }

    [Theory]
    [InlineData(null, 0, "1 person")]
    [InlineData(null, 1, "2 people")]
    [InlineData(null, 2, "3 people")]
    [InlineData("ja", 0, "1 人")]
    [InlineData("ja", 1, "2 人")]
    [InlineData("zh-Hans", 0, "1 人")]
    [InlineData("zh-Hans", 2, "3 人")]
    public async Task A_private_rooms_member_count_is_counted_in_the_readers_language(string? language, int invited, string expected)
    {
        using var owner = await VisitorAsync("owner", language);
        var slug = await owner.CreateRoomAsync("Counted", isPrivate: true);
        for (var i = 0; i < invited; i++)
        {
            var email = SiteClient.NewEmail("member");
            using var member = server.NewVisitor();
            await member.RegisterAsync(email);
            Assert.Equal(System.Net.HttpStatusCode.Redirect, (await owner.InviteAsync(slug, email)).StatusCode);
        }

        var count = await owner.Http.GetStringAsync($"/rooms/{slug}?handler=MemberCount");

        Assert.Equal(expected, count.Trim());
    }
}
