using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>A message as its author's socket echoed it: the article's id (<c>m-{Id}</c>) and posting number (<c>data-seq</c>).</summary>
public sealed record PostedMessage(long Id, long Seq);

/// <summary>What a person does in a room over its socket (issue 13's client frames), each waiting for the server's answer when there is one.</summary>
public static partial class RoomSocketFrames
{
    /// <summary>Posts <paramref name="text"/> and waits for the echo, so the message is stored.</summary>
    public static async Task<PostedMessage> PostAsync(this WebSocket socket, string text)
    {
        await socket.SendMessageAsync(text);
        var frame = await socket.ReceiveTextAsync();
        var article = Article().Match(frame);
        Assert.True(article.Success, $"expected the message back, got {frame}");
        return new PostedMessage(long.Parse(article.Groups[1].Value), long.Parse(article.Groups[2].Value));
    }

    /// <summary>Deletes <paramref name="message"/> (<c>{"type":"delete","id":N}</c>) and waits for its placeholder, so the deletion is stored.</summary>
    public static async Task DeleteAsync(this WebSocket socket, PostedMessage message)
    {
        await socket.SendTextAsync(JsonSerializer.Serialize(new { type = "delete", id = message.Id }));
        while (true)
        {
            var frame = await socket.ReceiveTextAsync();
            Assert.DoesNotContain("id=\"chat-error\"", frame);
            if (frame.Contains($"id=\"m-{message.Id}\"") && frame.Contains("data-deleted=\"true\"")) return;
        }
    }

    /// <summary>
    /// Reports the room shown up to event <paramref name="seq"/> (<c>{"type":"read","seq":N}</c>). The server writes
    /// markers in batches (Chat:ReadMarkerFlushInterval), so a reader waits for the effect it expects.
    /// </summary>
    public static Task ReportReadAsync(this WebSocket socket, long seq) =>
        socket.SendTextAsync(JsonSerializer.Serialize(new { type = "read", seq }));

    [GeneratedRegex(@"<article id=""m-(\d+)"" [^>]*data-seq=""(\d+)""")]
    private static partial Regex Article();
}
