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
        var aliceName = (await alice.RegisterAsync(SiteClient.NewEmail("alice"))).Split('@')[0];
        var bobName = (await bob.RegisterAsync(SiteClient.NewEmail("bob"))).Split('@')[0];
        var slug = await alice.CreateRoomAsync("Presence");

        using var aliceSocket = await alice.ConnectAsync(slug);
        await aliceSocket.WaitForPresenceAsync(aliceName);
        Assert.Equal("1 online", aliceSocket.Presence().CountText);

        var bobTab1 = await bob.ConnectAsync(slug);
        await aliceSocket.WaitForPresenceAsync(aliceName, bobName);
        Assert.Equal("2 online", aliceSocket.Presence().CountText);

        // A second tab is the same person: no announcement, and the tab itself is told who is here, whole.
        var bobTab2 = await bob.ConnectAsync(slug);
        var whole = await NextPresenceAsync(bobTab2);
        Assert.True(PresenceView.IsWholeList(whole), whole);
        Assert.Equal([aliceName, bobName], bobTab2.Presence().Names.Order(StringComparer.Ordinal));
        Assert.Equal("2 online", bobTab2.Presence().CountText);
        Assert.Contains("2 online", await (await server.NewVisitor().Http.GetAsync("/")).Content.ReadAsStringAsync());

        await bobTab1.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
        await bobTab2.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
        await aliceSocket.WaitForPresenceAsync(view => !view.Names.Contains(bobName), $"{bobName} gone");
        Assert.Equal([aliceName], aliceSocket.Presence().Names);
        Assert.Equal("1 online", aliceSocket.Presence().CountText);
    }

    [Fact]
    public async Task A_join_sends_the_others_a_change_the_same_size_in_a_room_of_5_as_of_40_and_the_joiner_the_whole_list_once()
    {
        var small = await JoinIntoRoomOfAsync(5);
        var large = await JoinIntoRoomOfAsync(40);

        // The same frame whatever the room's size, but for the count and the name that joined.
        Assert.Equal(small.Change, large.Change);
        Assert.True(large.Change.Length < 200, large.Change);
    }

    /// <summary>
    /// A room with <paramref name="size"/> people, each with a socket that has been told everyone is here; then one
    /// more joins. Returns the frame the others got for it, with its count and name taken out.
    /// </summary>
    private async Task<(string Change, int Size)> JoinIntoRoomOfAsync(int size)
    {
        var people = Enumerable.Range(0, size).Select(_ => server.NewVisitor()).ToList();
        var names = (await Task.WhenAll(people.Select(p => p.RegisterAsync(SiteClient.NewEmail("here"))))).Select(e => e.Split('@')[0]).ToList();
        var slug = await people[0].CreateRoomAsync($"Room of {size}");
        var sockets = await Task.WhenAll(people.Select(p => p.ConnectAsync(slug)));
        using var newcomer = server.NewVisitor();
        try
        {
            await Task.WhenAll(sockets.Select(s => s.WaitForPresenceAsync([.. names])));
            var newcomerName = (await newcomer.RegisterAsync(SiteClient.NewEmail("newcomer"))).Split('@')[0];
            using var joiner = await newcomer.ConnectAsync(slug);
            await joiner.WaitForPresenceAsync([.. names, newcomerName]);
            Assert.Equal((1, 1), (joiner.Presence().WholeLists, joiner.Presence().Changes));
            Assert.Equal($"{size + 1} online", joiner.Presence().CountText);

            string? change = null;
            foreach (var socket in sockets)
            {
                var frame = await NextPresenceAsync(socket);
                Assert.True(PresenceView.IsChange(frame), $"not a change: {frame[..Math.Min(300, frame.Length)]}");
                Assert.True(change is null || change == frame, "every socket gets the same bytes");
                change = frame;
                Assert.Equal([.. names.Append(newcomerName).Order(StringComparer.Ordinal)], socket.Presence().Names.Order(StringComparer.Ordinal));
                Assert.Equal(1, socket.Presence().WholeLists);
            }
            Assert.Equal([newcomerName], PresenceView.NamesOf(change!, "presence-joined"));
            return (change!.Replace($">{size + 1} online<", ">N online<").Replace(newcomerName, "NAME"), size);
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
            foreach (var person in people) person.Dispose();
        }
    }

    [Fact]
    public async Task Comings_and_goings_in_a_burst_are_one_change_and_leave_the_view_equal_to_the_stores_list()
    {
        using var owner = server.NewVisitor();
        var ownerName = (await owner.RegisterAsync(SiteClient.NewEmail("owner"))).Split('@')[0];
        var slug = await owner.CreateRoomAsync("Burst");
        var leavers = Enumerable.Range(0, 3).Select(_ => server.NewVisitor()).ToList();
        var comers = Enumerable.Range(0, 3).Select(_ => server.NewVisitor()).ToList();
        var leaverNames = (await Task.WhenAll(leavers.Select(p => p.RegisterAsync(SiteClient.NewEmail("leaver"))))).Select(e => e.Split('@')[0]).ToList();
        var comerNames = (await Task.WhenAll(comers.Select(p => p.RegisterAsync(SiteClient.NewEmail("comer"))))).Select(e => e.Split('@')[0]).ToList();
        using var ownerSocket = await owner.ConnectAsync(slug);
        var leaving = await Task.WhenAll(leavers.Select(p => p.ConnectAsync(slug)));
        await ownerSocket.WaitForPresenceAsync([ownerName, .. leaverNames]);
        var changesBefore = ownerSocket.Presence().Changes;

        // Everything ready beforehand (tokens minted, sockets made), so the burst itself takes a few milliseconds.
        var tokens = await Task.WhenAll(comers.Select(p => p.SocketTokenAsync(slug)));
        var connecting = comers.Select((p, i) => p.ConnectWithTokenAsync(slug, tokens[i].Token)).ToList();
        await Task.WhenAll(leaving.Select(s => s.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken())));
        var coming = await Task.WhenAll(connecting);

        await ownerSocket.WaitForPresenceAsync(view => view.Names.Count == 4 && comerNames.All(view.Names.Contains), "the comers only");
        Assert.Equal(1, ownerSocket.Presence().Changes - changesBefore);
        var stored = await StoredNamesAsync(owner, slug);
        Assert.Equal(stored, ownerSocket.Presence().Names);
        Assert.Equal($"{stored.Count} online", ownerSocket.Presence().CountText);
        foreach (var socket in coming.Concat(leaving)) socket.Dispose();
        foreach (var person in leavers.Concat(comers)) person.Dispose();
    }

    /// <summary>The names the room page renders: the presence store's list, in its order.</summary>
    private static async Task<List<string>> StoredNamesAsync(SiteClient client, string slug) =>
        [.. PresenceView.NamesOf(await client.Http.GetStringAsync($"/rooms/{slug}"), "presence-name")];
}
