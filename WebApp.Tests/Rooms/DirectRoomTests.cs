using System.Net;
using Microsoft.EntityFrameworkCore;
using WebApp.Pages.People;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// Direct messages: "Message" on someone's profile (<c>POST /people/{id}?handler=Message</c>) opens the private room
/// of the two of them, created once whoever asks first and however often they ask, closed to everyone else, and
/// never a room a third person set up at its address.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class DirectRoomTests(ChatServer server)
{
    private async Task<(SiteClient Client, string Id)> PersonAsync()
    {
        var client = server.NewVisitor();
        var email = await client.RegisterAsync();
        var id = await server.QueryAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        return (client, id);
    }

    private static async Task<HttpResponseMessage> MessageAsync(SiteClient from, string toId) =>
        await from.PostFormAsync($"/people/{toId}?handler=Message", [], $"/people/{toId}");

    private static async Task<string> OpenAsync(SiteClient from, string toId)
    {
        var response = await MessageAsync(from, toId);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/rooms/dm-", location);
        return location["/rooms/".Length..];
    }

    [Fact]
    public async Task Either_person_opens_the_same_private_room_every_time_and_nobody_else_gets_in()
    {
        var (alice, aliceId) = await PersonAsync();
        var (bob, bobId) = await PersonAsync();
        var (carol, _) = await PersonAsync();
        using var _a = alice; using var _b = bob; using var _c = carol;

        var slug = await OpenAsync(alice, bobId);
        Assert.Equal(slug, await OpenAsync(bob, aliceId));
        Assert.Equal(slug, await OpenAsync(alice, bobId));
        Assert.Equal(1, await server.QueryAsync(db => db.Rooms.CountAsync(r => r.Slug.StartsWith(slug))));

        Assert.Equal(HttpStatusCode.OK, (await bob.Http.GetAsync($"/rooms/{slug}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.Http.GetAsync($"/rooms/{slug}")).StatusCode);
        Assert.DoesNotContain(slug, await carol.Http.GetStringAsync("/"));
        Assert.Contains(slug, await bob.Http.GetStringAsync("/"));

        using var aliceSocket = await alice.ConnectAsync(slug);
        using var bobSocket = await bob.ConnectAsync(slug);
        await aliceSocket.SendMessageAsync("just between us");
        Assert.Contains("just between us", await bobSocket.ReceiveTextAsync());
    }

    [Fact]
    public async Task Asking_at_once_from_both_sides_makes_one_room()
    {
        var (alice, aliceId) = await PersonAsync();
        var (bob, bobId) = await PersonAsync();
        using var _a = alice; using var _b = bob;

        var slugs = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => i % 2 == 0 ? OpenAsync(alice, bobId) : OpenAsync(bob, aliceId)));

        Assert.Single(slugs.Distinct());
        Assert.Equal(1, await server.QueryAsync(db => db.Rooms.CountAsync(r => r.Slug.StartsWith(slugs[0]))));
    }

    [Fact]
    public async Task A_room_someone_else_made_at_the_address_is_never_used()
    {
        var (alice, aliceId) = await PersonAsync();
        var (bob, bobId) = await PersonAsync();
        var (mallory, _) = await PersonAsync();
        using var _a = alice; using var _b = bob; using var _m = mallory;
        // The address is computable from the two ids, which profile links show: Mallory takes it first, publicly.
        var squatted = DirectRoom.SlugOf(aliceId, bobId);
        Assert.Equal(squatted, await mallory.CreateRoomAsync(squatted.Replace('-', ' ')));

        var slug = await OpenAsync(alice, bobId);

        Assert.NotEqual(squatted, slug);
        Assert.Equal(slug, await OpenAsync(bob, aliceId));
        Assert.Equal(HttpStatusCode.NotFound, (await mallory.Http.GetAsync($"/rooms/{slug}")).StatusCode);
    }

    [Fact]
    public async Task Oneself_unknown_people_strangers_and_forged_posts_get_a_clear_answer()
    {
        var (alice, aliceId) = await PersonAsync();
        var (_, bobId) = await PersonAsync();
        using var _a = alice;
        using var visitor = server.NewVisitor();

        Assert.Equal(HttpStatusCode.BadRequest, (await MessageAsync(alice, aliceId)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.Http.PostAsync("/people/no-such-person?handler=Message",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = await alice.FormTokenAsync($"/people/{bobId}") }))).StatusCode);
        // No antiforgery token: refused before anything is created.
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.Http.PostAsync($"/people/{bobId}?handler=Message", new FormUrlEncodedContent([]))).StatusCode);
        var anonymous = await visitor.Http.PostAsync($"/people/{bobId}?handler=Message", new FormUrlEncodedContent([]));
        Assert.True(anonymous.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Redirect or HttpStatusCode.BadRequest, $"anonymous: {anonymous.StatusCode}");
        Assert.Equal(0, await server.QueryAsync(db => db.Rooms.CountAsync(r => r.CreatedById == aliceId)));
        Assert.DoesNotContain("id=\"message-person\"", await alice.Http.GetStringAsync($"/people/{aliceId}"));
        Assert.Contains("id=\"message-person\"", await alice.Http.GetStringAsync($"/people/{bobId}"));
    }
}
