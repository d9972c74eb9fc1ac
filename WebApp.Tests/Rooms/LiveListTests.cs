using System.Net;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// The fragments the open pages poll (issue 14 point 10): <c>/?handler=List</c>, the rooms list alone with the asker's
/// own counts, and <c>/rooms/{slug}?handler=MemberCount</c>, a private room's people count. Both are per person, so
/// never stored by a cache.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class LiveListTests(ChatServer server) : IAsyncLifetime
{
    private const string ListPath = "/?handler=List";
    private readonly SiteClient _alice = server.NewVisitor();
    private readonly SiteClient _bob = server.NewVisitor();
    private readonly SiteClient _visitor = server.NewVisitor();
    private readonly string _unique = Guid.NewGuid().ToString("N")[..6];
    private string _bobEmail = "";

    public async Task InitializeAsync()
    {
        await _alice.RegisterAsync();
        _bobEmail = await _bob.RegisterAsync(SiteClient.NewEmail("bob"));
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        _visitor.Dispose();
        return Task.CompletedTask;
    }

    public static TheoryData<string> People => new() { "alice", "bob", "signed out" };

    [Theory]
    [MemberData(nameof(People))]
    public async Task The_list_handler_returns_only_the_list_never_stored_and_varying_by_cookie(string who)
    {
        await _alice.CreateRoomAsync("Listed " + _unique);
        var person = who switch { "alice" => _alice, "bob" => _bob, _ => _visitor };

        using var response = await person.Http.GetAsync(ListPath);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("id=\"room-list\"", html);
        Assert.DoesNotContain("<html", html);
        Assert.DoesNotContain("rooms-heading", html);
        Assert.DoesNotContain("create-room", html);
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        Assert.Contains("Cookie", response.Headers.Vary);
        // The polled region keeps the page's contract: the element with class "room" and, signed in, its counts.
        var entries = RoomsList.Parse(html);
        Assert.NotEmpty(entries);
        Assert.All(entries.Values, entry => Assert.Equal(who == "signed out", entry.Unread is null));
    }

    [Fact]
    public async Task Each_person_gets_their_own_counts_and_signed_out_visitors_the_public_list()
    {
        var slug = await _alice.CreateRoomAsync("Counts " + _unique);
        var secret = await _alice.CreateRoomAsync("Secret " + _unique, isPrivate: true);
        using (var alice = await _alice.ConnectAsync(slug))
        {
            await alice.PostAsync("one");
            await alice.PostAsync("two");
        }

        var bobs = RoomsList.Parse(await _bob.Http.GetStringAsync(ListPath));
        var alices = RoomsList.Parse(await _alice.Http.GetStringAsync(ListPath));
        var visitors = RoomsList.Parse(await _visitor.Http.GetStringAsync(ListPath));

        Assert.Equal(new RoomsListEntry(slug, 2, 0, "2 unread"), bobs[slug]);
        Assert.Equal(new RoomsListEntry(slug, 0, 0, null), alices[slug]);
        Assert.Equal(new RoomsListEntry(slug, null, null, null), visitors[slug]);
        Assert.True(alices.ContainsKey(secret));
        Assert.False(bobs.ContainsKey(secret));
        Assert.False(visitors.ContainsKey(secret));
    }

    [Fact]
    public async Task The_people_count_follows_invitations_for_members_and_is_hidden_from_everyone_else()
    {
        var secret = await _alice.CreateRoomAsync("Members " + _unique, isPrivate: true);
        var countPath = $"/rooms/{secret}?handler=MemberCount";
        using var outsider = server.NewVisitor();
        await outsider.RegisterAsync();

        Assert.Equal("1 person", (await _alice.Http.GetStringAsync(countPath)).Trim());
        Assert.Equal(HttpStatusCode.NotFound, (await _bob.Http.GetAsync(countPath)).StatusCode);
        await _alice.InviteAsync(secret, _bobEmail);
        using var response = await _bob.Http.GetAsync(countPath);
        Assert.Equal("2 people", (await response.Content.ReadAsStringAsync()).Trim());
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");

        Assert.Equal(HttpStatusCode.NotFound, (await outsider.Http.GetAsync(countPath)).StatusCode);
        var publicRoom = await _alice.CreateRoomAsync("Public " + _unique);
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.Http.GetAsync($"/rooms/{publicRoom}?handler=MemberCount")).StatusCode);
    }

    [Fact]
    public async Task The_message_count_leaves_out_deleted_messages()
    {
        var slug = await _alice.CreateRoomAsync("Deletions counted " + _unique);
        using var socket = await _alice.ConnectAsync(slug);
        await socket.SendMessageAsync("stays");
        await socket.ReceiveTextAsync();
        await socket.SendMessageAsync("goes");
        var goes = SocketExtensions.IdOf(await socket.ReceiveTextAsync());
        await socket.SendJsonAsync(new { type = "delete", id = goes });
        Assert.Contains("message deleted", await socket.ReceiveTextAsync());

        Assert.Contains("<span class=\"room-count\">1 message</span>", RoomsList.ItemOf(await _alice.Http.GetStringAsync(ListPath), slug));
    }
}
