using System.Net.WebSockets;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.ScaleOut;

/// <summary>
/// An event stored on one instance reaches the other instance's readers in their own languages: the bus carries the
/// English rendering, and the other instance renders the languages its own readers need.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class LocalizedFramesAcrossInstancesTests(ScaleOutServers servers) : OnTwoInstances(servers)
{
    private static async Task<string> NextContainingAsync(WebSocket socket, string text)
    {
        while (true)
        {
            var frame = await socket.ReceiveTextAsync();
            if (frame.Contains(text, StringComparison.Ordinal)) return frame;
        }
    }

    [Fact]
    public async Task A_deletion_on_one_instance_reads_in_each_language_on_the_other()
    {
        using var alice = new SiteClient(A.BaseAddress) { AcceptLanguage = "ja" };
        using var bob = new SiteClient(B.BaseAddress);
        using var mei = new SiteClient(B.BaseAddress) { AcceptLanguage = "zh-Hans" };
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Languages across");
        await mei.RegisterAsync();
        using var aliceSocket = await alice.ConnectAsync(slug);
        using var bobSocket = await bob.ConnectAsync(slug);
        using var meiSocket = await mei.ConnectAsync(slug);

        await aliceSocket.SendMessageAsync("across");
        var posted = await NextContainingAsync(aliceSocket, "across");
        await NextContainingAsync(bobSocket, "across");
        await NextContainingAsync(meiSocket, "across");
        await aliceSocket.SendJsonAsync(new { type = "delete", id = SocketExtensions.IdOf(posted) });

        Assert.Contains(">メッセージは削除されました<", await NextContainingAsync(aliceSocket, "data-deleted"));
        Assert.Contains(">Message deleted<", await NextContainingAsync(bobSocket, "data-deleted"));
        Assert.Contains(">消息已删除<", await NextContainingAsync(meiSocket, "data-deleted"));
    }
}
