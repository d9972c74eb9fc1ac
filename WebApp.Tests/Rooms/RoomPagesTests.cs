using System.Net;
using Microsoft.EntityFrameworkCore;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

[Collection(ChatServerCollection.Name)]
public sealed class RoomPagesTests(ChatServer server)
{
    [Fact]
    public async Task Signed_out_room_visit_redirects_to_login_with_return_url()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Members only");
        using var stranger = server.NewVisitor();

        var response = await stranger.Http.GetAsync($"/rooms/{slug}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/Identity/Account/Login?ReturnUrl=%2Frooms%2F{slug}", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Unknown_room_is_a_404_page()
    {
        using var alice = server.NewVisitor();
        await alice.RegisterAsync();

        var response = await alice.Http.GetAsync("/rooms/never-created");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Not found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Room_page_renders_the_latest_50_messages_oldest_first()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Busy room");
        using (var socket = await alice.ConnectAsync(slug))
        {
            for (var i = 1; i <= 55; i++)
            {
                await socket.SendMessageAsync($"message number {i:00}");
                await socket.ReceiveTextAsync();
            }
        }

        var page = await alice.Http.GetStringAsync($"/rooms/{slug}");

        Assert.DoesNotContain("message number 05", page);
        Assert.True(page.IndexOf("message number 06", StringComparison.Ordinal) < page.IndexOf("message number 55", StringComparison.Ordinal));
        Assert.Equal(50, System.Text.RegularExpressions.Regex.Count(page, "<article id=\"m-"));
    }

    [Fact]
    public async Task Room_names_are_trimmed_and_get_unique_slugs()
    {
        using var alice = server.NewVisitor();
        await alice.RegisterAsync();
        var suffix = Guid.NewGuid().ToString("N")[..6];

        var first = await alice.CreateRoomAsync($"  Café Crème {suffix}  ");
        var second = await alice.CreateRoomAsync($"Café, Crème {suffix}");

        Assert.Equal($"café-crème-{suffix}", first);
        Assert.Equal($"café-crème-{suffix}-2", second);
        Assert.Equal($"Café Crème {suffix}", await server.QueryAsync(db => db.Rooms.Where(r => r.Slug == first).Select(r => r.Name).SingleAsync()));
    }

    [Theory]
    [InlineData("", "Give the room a name.")]
    [InlineData("    ", "Give the room a name.")]
    [InlineData("a name that is far too long for a room because it goes on past sixty-four chars", "at most 64 characters")]
    public async Task Invalid_room_names_are_refused_with_the_reason(string name, string error)
    {
        using var alice = server.NewVisitor();
        await alice.RegisterAsync();
        var before = await server.QueryAsync(db => db.Rooms.CountAsync());

        var fullPage = await alice.PostFormAsync("/", new() { ["Input.Name"] = name });

        Assert.Equal(HttpStatusCode.OK, fullPage.StatusCode);
        Assert.Contains(error, await fullPage.Content.ReadAsStringAsync());
        Assert.Equal(before, await server.QueryAsync(db => db.Rooms.CountAsync()));
    }

    [Fact]
    public async Task Htmx_gets_only_the_form_back_with_its_errors()
    {
        using var alice = server.NewVisitor();
        await alice.RegisterAsync();
        var antiforgery = await alice.FormTokenAsync("/");
        var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Name"] = " ", ["__RequestVerificationToken"] = antiforgery }),
        };
        request.Headers.Add("HX-Request", "true");

        var response = await alice.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.StartsWith("<form id=\"create-room-form\"", body.Trim());
        Assert.Contains("Give the room a name.", body);
    }

    [Fact]
    public async Task Creating_a_room_needs_an_account()
    {
        using var stranger = server.NewVisitor();

        // A signed-out visitor sees no form; an antiforgery token from the login page is the best they can bring.
        var response = await stranger.PostFormAsync("/", new() { ["Input.Name"] = "Sneaky" }, formPage: "/Identity/Account/Login");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(await server.QueryAsync(db => db.Rooms.AnyAsync(r => r.Name == "Sneaky")));
    }

    [Fact]
    public async Task Home_lists_rooms_with_message_count()
    {
        using var alice = server.NewVisitor();
        await alice.RegisterAsync();
        var name = "Listed " + Guid.NewGuid().ToString("N")[..6];
        var slug = await alice.CreateRoomAsync(name);
        using (var socket = await alice.ConnectAsync(slug))
        {
            await socket.SendMessageAsync("one");
            await socket.ReceiveTextAsync();
        }

        var home = await server.NewVisitor().Http.GetStringAsync("/");

        Assert.Contains(name, home);
        Assert.Contains($"href=\"/rooms/{slug}\"", home);
        Assert.Contains("1 message", home);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account()
    {
        using var alice = server.NewVisitor();
        var email = await alice.RegisterAsync();
        using var attacker = server.NewVisitor();

        for (var i = 0; i < 5; i++) await attacker.LoginAsync(email, "wrong-password");
        var withRightPassword = await attacker.LoginAsync(email);

        Assert.Equal(HttpStatusCode.Redirect, withRightPassword.StatusCode);
        Assert.Contains("Lockout", withRightPassword.Headers.Location!.OriginalString);
    }
}
