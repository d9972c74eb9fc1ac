using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.ScaleOut;

/// <summary>
/// The room's event stream on two instances sharing PostgreSQL and Redis: edits, deletions and typing on one reach
/// the other; a page that was offline resumes on either instance with every event after its last, in order, once;
/// and what changed while Redis was down reaches the other instance's sockets once it is back.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed partial class RoomEventsAcrossInstancesTests(ScaleOutServers servers) : OnTwoInstances(servers)
{
    private static Task SendAsync(WebSocket socket, object frame) => socket.SendJsonAsync(frame);

    private static long NumberOf(string frame) =>
        SocketExtensions.EventSeqOf(frame) ?? SocketExtensions.SeqOf(frame)!.Value;

    /// <summary>The next frame that is neither presence nor typing.</summary>
    private static async Task<string> NextEventAsync(WebSocket socket, int timeoutSeconds = 10)
    {
        while (true)
        {
            var (text, close) = await socket.ReceiveAsync(timeoutSeconds);
            Assert.True(text is not null, $"expected an event, but the server closed with {close}");
            if (!SocketExtensions.IsPresence(text!) && !text!.StartsWith("<div class=\"typing-event\"", StringComparison.Ordinal)) return text;
        }
    }

    [Fact]
    public async Task Edits_deletions_and_typing_on_one_instance_reach_the_other_and_resume_works_on_both()
    {
        using var alice = new SiteClient(A.BaseAddress);
        using var bob = new SiteClient(B.BaseAddress);
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Events across");
        await alice.SetDisplayNameAsync("Alice on A");
        using var aliceSocket = await alice.ConnectAsync(slug);
        using var bobSocket = await bob.ConnectAsync(slug);
        var aliceId = await alice.UserIdAsync(slug);

        await aliceSocket.SendMessageAsync("one");
        var one = await NextEventAsync(bobSocket);
        await NextEventAsync(aliceSocket);
        await aliceSocket.SendMessageAsync("two");
        var two = await NextEventAsync(bobSocket);
        await NextEventAsync(aliceSocket);
        var seenByBob = NumberOf(two);

        // Typing on A is shown on B (and carries no number).
        await SendAsync(aliceSocket, new { type = "typing" });
        string typing;
        do typing = (await bobSocket.ReceiveAsync()).Text!;
        while (SocketExtensions.IsPresence(typing));
        Assert.StartsWith("<div class=\"typing-event\"", typing);
        Assert.Contains($"data-user-id=\"{aliceId}\"", typing);
        Assert.Contains("data-name=\"Alice on A\"", typing);

        // Bob goes offline; Alice edits one, deletes two and posts three.
        await bobSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, "offline", SiteClient.TimeoutToken());
        await SendAsync(aliceSocket, new { type = "edit", id = SocketExtensions.IdOf(one), text = "one, edited" });
        await NextEventAsync(aliceSocket);
        await SendAsync(aliceSocket, new { type = "delete", id = SocketExtensions.IdOf(two) });
        await NextEventAsync(aliceSocket);
        await aliceSocket.SendMessageAsync("three");
        await NextEventAsync(aliceSocket);

        // Back on either instance: every event after the last one seen, in order, once (the first three are the
        // changes made offline; on the second instance also the live message sent during the first resume).
        var instances = new[] { bob, new SiteClient(A.BaseAddress, bob.Cookies) };
        for (var round = 0; round < instances.Length; round++)
        {
            using var back = await instances[round].ConnectAsync(slug, after: seenByBob);
            var frames = new List<string>();
            for (var i = 0; i < 3 + round; i++) frames.Add(await NextEventAsync(back));
            Assert.Equal(Enumerable.Range(1, 3 + round).Select(n => seenByBob + n), frames.Select(NumberOf));
            Assert.Contains("one, edited", frames[0]);
            Assert.Contains("data-edited=\"true\"", frames[0]);
            Assert.Contains("class=\"message deleted\"", frames[1]);
            Assert.DoesNotContain(">two<", frames[1]);
            Assert.Contains("three", frames[2]);

            await aliceSocket.SendMessageAsync($"live in round {round}");
            await NextEventAsync(aliceSocket);
            var live = await NextEventAsync(back);
            Assert.Contains($"live in round {round}", live);
            Assert.Equal(NumberOf(frames[^1]) + 1, NumberOf(live));
        }
        instances[1].Dispose();
    }

    [Fact]
    public async Task Changes_made_while_Redis_is_down_reach_the_other_instance_once_it_is_back()
    {
        using var alice = new SiteClient(A.BaseAddress);
        using var bob = new SiteClient(B.BaseAddress);
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Events and outage");
        using var aliceSocket = await alice.ConnectAsync(slug);
        using var bobSocket = await bob.ConnectAsync(slug);
        await aliceSocket.SendMessageAsync("before");
        var before = await NextEventAsync(bobSocket);
        await NextEventAsync(aliceSocket);

        try
        {
            await Servers.Redis.StopAsync();
            // Alice's own socket keeps getting her changes at once.
            await SendAsync(aliceSocket, new { type = "edit", id = SocketExtensions.IdOf(before), text = "edited in the dark" });
            Assert.Contains("edited in the dark", await NextEventAsync(aliceSocket));
            await aliceSocket.SendMessageAsync("posted in the dark");
            var posted = await NextEventAsync(aliceSocket);
            await SendAsync(aliceSocket, new { type = "delete", id = SocketExtensions.IdOf(posted) });
            Assert.Contains("message deleted", await NextEventAsync(aliceSocket));
        }
        finally
        {
            await Servers.Redis.StartAsync();
        }

        // B reads them from the database once Redis is back: each once, in order.
        var frames = new List<string>();
        for (var i = 0; i < 3; i++) frames.Add(await NextEventAsync(bobSocket, timeoutSeconds: 60));
        var first = NumberOf(before);
        Assert.Equal([first + 1, first + 2, first + 3], frames.Select(NumberOf));
        Assert.Contains("edited in the dark", frames[0]);
        Assert.Contains("class=\"message deleted\"", frames[2]);
        await aliceSocket.SendMessageAsync("after");
        Assert.Contains("after", await NextEventAsync(bobSocket));
    }
}
