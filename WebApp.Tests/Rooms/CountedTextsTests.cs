using System.Net;
using System.Text.RegularExpressions;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// Counted texts on the rooms list read right in each language: English chooses "1 message" or "2 messages" by the
/// CLDR rule (one for exactly 1, other for the rest, 0 included); Japanese and Chinese have one form.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class CountedTextsTests(ChatServer server)
{
    [Theory]
    [InlineData(null, 0, "0 messages", null)]
    [InlineData(null, 1, "1 message", "1 unread")]
    [InlineData(null, 2, "2 messages", "2 unread")]
    [InlineData("ja", 1, "1 件のメッセージ", "未読 1 件")]
    [InlineData("ja", 2, "2 件のメッセージ", "未読 2 件")]
    [InlineData("zh-Hans", 1, "1 条消息", "1 条未读")]
    [InlineData("zh-Hans", 2, "2 条消息", "2 条未读")]
    public async Task The_rooms_list_counts_messages_and_unread_in_the_readers_language(string? language, int messages, string count, string? badge)
    {
        using var owner = new SiteClient(server.BaseAddress);
        using var reader = new SiteClient(server.BaseAddress) { AcceptLanguage = language };
        var slug = await owner.SignUpBothWithRoomAsync(reader, "Counted " + Guid.NewGuid().ToString("N")[..6]);
        using (var socket = await owner.ConnectAsync(slug))
        {
            for (var i = 0; i < messages; i++)
            {
                await socket.SendMessageAsync($"message {i}");
                while (!(await socket.ReceiveTextAsync()).Contains($"message {i}", StringComparison.Ordinal)) { }
            }
        }

        var list = await reader.Http.GetStringAsync("/");
        var shown = Regex.Match(list, $"href=\"/rooms/{Regex.Escape(slug)}\".*?<span class=\"room-count\">(.*?)</span>", RegexOptions.Singleline);

        Assert.True(shown.Success, "the room is not listed");
        Assert.Equal(count, WebUtility.HtmlDecode(shown.Groups[1].Value));
        Assert.Equal(badge, (await RoomsList.EntryAsync(reader, slug)).Badge);
    }
}
