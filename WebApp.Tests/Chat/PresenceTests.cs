using System.Net.WebSockets;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

[Collection(ChatServerCollection.Name)]
public sealed class PresenceTests(ChatServer server)
{
    private static async Task<string> NextPresenceAsync(WebSocket socket)
    {
        while (true)
        {
            var (text, close) = await socket.ReceiveAsync();
            Assert.True(text is not null, $"closed with {close}");
            if (SocketExtensions.IsPresence(text!)) return text!;
        }
    }

    [Fact]
    public async Task Presence_counts_people_once_and_follows_joins_and_leaves()
    {
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        await alice.RegisterAsync(SiteClient.NewEmail("alice"));
        var bobName = (await bob.RegisterAsync(SiteClient.NewEmail("bob"))).Split('@')[0];
        var slug = await alice.CreateRoomAsync("Presence");

        using var aliceSocket = await alice.ConnectAsync(slug);
        Assert.Contains("1 online", await NextPresenceAsync(aliceSocket));

        var bobTab1 = await bob.ConnectAsync(slug);
        var joined = await NextPresenceAsync(aliceSocket);
        Assert.Contains("2 online", joined);
        Assert.Contains(bobName, joined);

        // A second tab is the same person: no announcement, and the tab itself is told who is here.
        var bobTab2 = await bob.ConnectAsync(slug);
        Assert.Contains("2 online", await NextPresenceAsync(bobTab2));
        Assert.Contains("2 online", await (await server.NewVisitor().Http.GetAsync("/")).Content.ReadAsStringAsync());

        await bobTab1.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
        await bobTab2.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
        var left = await NextPresenceAsync(aliceSocket);
        Assert.Contains("1 online", left);
        Assert.DoesNotContain(bobName, left);
    }
}
