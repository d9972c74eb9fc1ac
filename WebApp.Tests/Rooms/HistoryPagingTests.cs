using System.Text.RegularExpressions;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

[Collection(ChatServerCollection.Name)]
public sealed partial class HistoryPagingTests(ChatServer server)
{
    [Fact]
    public async Task Older_messages_come_fifty_at_a_time_by_sequence_with_and_without_javascript()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Long history");
        using (var socket = await alice.ConnectAsync(slug))
        {
            for (var i = 1; i <= 120; i++)
            {
                await socket.SendMessageAsync($"line {i:000}");
                await socket.ReceiveTextAsync();
            }
        }

        var latest = await alice.Http.GetStringAsync($"/rooms/{slug}");
        Assert.Equal(Range(71, 120), Seqs(latest));
        Assert.Contains($"href=\"/rooms/{slug}?before=71\"", latest);

        var older = await alice.Http.GetStringAsync($"/rooms/{slug}?handler=Older&before=71");
        Assert.Equal(Range(21, 70), Seqs(older));
        Assert.StartsWith("<a id=\"load-older\"", older.Trim());
        Assert.DoesNotContain("<html", older);

        var oldest = await alice.Http.GetStringAsync($"/rooms/{slug}?handler=Older&before=21");
        Assert.Equal(Range(1, 20), Seqs(oldest));
        Assert.DoesNotContain("load-older", oldest);

        // Without JavaScript the same link is a page of its own, with a way back to the live room.
        var archive = await alice.Http.GetStringAsync($"/rooms/{slug}?before=71");
        Assert.Equal(Range(21, 70), Seqs(archive));
        Assert.Contains("id=\"jump-to-latest\"", archive);
        Assert.DoesNotContain("hx-ws:connect", archive);
    }

    private static List<long> Range(int from, int to) => Enumerable.Range(from, to - from + 1).Select(i => (long)i).ToList();

    private static List<long> Seqs(string html) => DataSeq().Matches(html).Select(m => long.Parse(m.Groups[1].Value)).ToList();

    [GeneratedRegex("data-seq=\"(\\d+)\"")]
    private static partial Regex DataSeq();
}
