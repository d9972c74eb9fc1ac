using System.Net;
using Microsoft.EntityFrameworkCore;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// Room names, display names, sign-up emails and invite lookups follow the same rules as messages (issue 11):
/// text that shows nothing and control characters are refused with the form's own message, and every lookup
/// matches case and form in any script.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class UserTextInFormsTests(ChatServer server)
{
    public static TheoryData<string> RefusedNames => new()
    {
        "\u200B\u200B", "\u200C", "\u2060", "\uFEFF", "\u180E", "\u034F", "\uFE0F", "\U000E0041\U000E007F", "\U0001D173",
        "\u3164", "\u115F\u1160", "\uFFA0", "\u2800\u2800", "\u0301\u0302", "\u202E\u202C",
        "bell\u0007", "\u001B[2J", "del\u007F", "csi\u009B", "two\nlines", "two\r\nlines", "two\u2028lines", "tab\tbed",
    };

    [Theory]
    [InlineData("zoë")]
    [InlineData("山田")]
    [InlineData("рус")]
    public async Task People_sign_up_with_an_email_in_any_script(string localPart)
    {
        using var visitor = server.NewVisitor();
        var email = $"{localPart}{Guid.NewGuid():N}"[..(localPart.Length + 6)] + "@example.test";

        await visitor.RegisterAsync(email);

        Assert.Equal(1, await server.QueryAsync(db => db.Users.CountAsync(u => u.Email == email)));
    }

    [Theory]
    [MemberData(nameof(RefusedNames))]
    public async Task Room_names_that_show_nothing_or_hold_controls_are_refused_with_the_form_again(string name)
    {
        using var alice = server.NewVisitor();
        await alice.RegisterAsync();
        var before = await server.QueryAsync(db => db.Rooms.CountAsync());

        var fullPage = await alice.PostFormAsync("/", new() { ["Input.Name"] = name });
        var fragment = await PostAsHtmxAsync(alice, "/", "/", new() { ["Input.Name"] = name });

        Assert.Equal(HttpStatusCode.OK, fullPage.StatusCode);
        Assert.Contains("id=\"room-name-error\"", await fullPage.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, fragment.StatusCode);
        Assert.Matches("id=\"room-name-error\"[^>]*>[^<]+</div>", await fragment.Content.ReadAsStringAsync());
        Assert.Equal(before, await server.QueryAsync(db => db.Rooms.CountAsync()));
    }

    [Theory]
    [MemberData(nameof(RefusedNames))]
    public async Task Display_names_that_show_nothing_or_hold_controls_are_refused_and_the_name_is_unchanged(string name)
    {
        using var alice = server.NewVisitor();
        var email = await alice.RegisterAsync();

        var response = await alice.SetDisplayNameAsync(name);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("field-validation-error", await response.Content.ReadAsStringAsync());
        Assert.Null(await server.QueryAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.DisplayName).SingleAsync()));
    }

    [Theory]
    [InlineData("\u200B")]
    [InlineData("\u3164\u3164")]
    [InlineData("\u0301")]
    [InlineData("esc\u001B")]
    [InlineData("c1\u0085")]
    public async Task Sign_up_is_refused_when_the_name_before_the_at_would_show_nothing_or_hold_controls(string localPart)
    {
        using var visitor = server.NewVisitor();
        var email = localPart + "-" + Guid.NewGuid().ToString("N")[..6] + "@example.test";
        var password = SiteClient.Password;

        var response = await visitor.PostFormAsync("/Identity/Account/Register", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(await server.QueryAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Theory]
    [InlineData("\u200B")]
    [InlineData("\u2800")]
    [InlineData("bell\u0007")]
    [InlineData("line\nbreak")]
    public async Task Invite_lookups_that_show_nothing_or_hold_controls_explain_why(string wanted)
    {
        using var owner = server.NewVisitor();
        var slug = await owner.SignUpWithRoomAsync("Odd lookups", isPrivate: true);

        var fragment = await PostAsHtmxAsync(owner, $"/rooms/{slug}?handler=Invite", $"/rooms/{slug}", new() { ["Invite.NameOrEmail"] = wanted });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, fragment.StatusCode);
        Assert.Matches("id=\"invite-error\"[^>]*>[^<]+</div>", await fragment.Content.ReadAsStringAsync());
    }

    /// <summary>The name someone set, and what the owner types: other case, other normalization form, other width.</summary>
    [Theory]
    [InlineData("Zoë Ñúñez", "zoë ñúñez")]
    [InlineData("Zoë Ñúñez", "Zoe\u0308 N\u0303u\u0301n\u0303ez")]
    [InlineData("Zoe\u0308 N\u0303u\u0301n\u0303ez", "ZOË ÑÚÑEZ")]
    [InlineData("Bob", "ｂｏｂ")]
    [InlineData("ＢＯＢ", "bob")]
    [InlineData("ﬁnn", "FINN")]
    [InlineData("Андрей", "андрей")]
    [InlineData("Σοφία", "ΣΟΦΊΑ")]
    [InlineData("Ærøskøbing", "ærøskøbing")]
    [InlineData("Bob", "Bob\u200B")]
    public async Task Invite_by_display_name_matches_any_case_and_form(string displayName, string typed)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var owner = server.NewVisitor();
        using var member = server.NewVisitor();
        await owner.RegisterAsync();
        await member.RegisterAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await member.SetDisplayNameAsync($"{displayName} {suffix}")).StatusCode);
        var slug = await owner.CreateRoomAsync("Invite by name", isPrivate: true);

        var response = await owner.InviteAsync(slug, $"{typed} {suffix.ToUpperInvariant()}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.Http.GetAsync($"/rooms/{slug}")).StatusCode);
    }

    /// <summary>
    /// The email as registered, and what the owner types; a name derived from an email matches the same way.
    /// (Emails are ASCII here: Identity's default AllowedUserNameCharacters refuses others at sign-up.)
    /// </summary>
    [Theory]
    [InlineData("bob", "BOB")]
    [InlineData("bob", "ｂｏｂ")]
    [InlineData("bob", "𝐁𝐎𝐁")]
    [InlineData("Bob.Smith", "bob.smith")]
    public async Task Invite_by_email_or_by_the_name_derived_from_it_matches_any_case_and_form(string localPart, string typed)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var owner = server.NewVisitor();
        using var byEmail = server.NewVisitor();
        using var byName = server.NewVisitor();
        await owner.RegisterAsync();
        await byEmail.RegisterAsync($"{localPart}-{suffix}@example.test");
        await byName.RegisterAsync($"{localPart}-{suffix}x@other.test");
        var slug = await owner.CreateRoomAsync("Invite by email", isPrivate: true);

        var email = await owner.InviteAsync(slug, $"{typed}-{suffix.ToUpperInvariant()}@EXAMPLE.TEST");
        var name = await owner.InviteAsync(slug, $"{typed}-{suffix}X");

        Assert.Equal(HttpStatusCode.Redirect, email.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, name.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await byEmail.Http.GetAsync($"/rooms/{slug}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await byName.Http.GetAsync($"/rooms/{slug}")).StatusCode);
    }

    [Fact]
    public async Task A_full_width_at_sign_still_means_an_email()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var owner = server.NewVisitor();
        using var member = server.NewVisitor();
        await owner.RegisterAsync();
        await member.RegisterAsync($"wide-{suffix}@example.test");
        var slug = await owner.CreateRoomAsync("Wide at", isPrivate: true);

        Assert.Equal(HttpStatusCode.Redirect, (await owner.InviteAsync(slug, $"wide-{suffix}＠example.test")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.Http.GetAsync($"/rooms/{slug}")).StatusCode);
    }

    /// <summary>One owner's rooms have names distinct in every form; another owner may reuse a name.</summary>
    [Theory]
    [InlineData("Café", "CAFÉ")]
    [InlineData("Café", "cafe\u0301")]
    [InlineData("cafe\u0301", "Café")]
    [InlineData("Café", "ＣＡＦＥ\u0301")]
    [InlineData("Ελληνικά", "ΕΛΛΗΝΙΚΆ")]
    [InlineData("Lobby", "  lobby\u200B")]
    [InlineData("ﬁsh", "FISH")]
    public async Task The_same_room_name_in_another_case_or_form_is_refused_for_the_same_owner(string first, string second)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        await alice.SignUpBothWithRoomAsync(bob, $"{first} {suffix}");
        var before = await server.QueryAsync(db => db.Rooms.CountAsync());

        var again = await alice.PostFormAsync("/", new() { ["Input.Name"] = $"{second} {suffix.ToUpperInvariant()}" });

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("You already have a room called", await again.Content.ReadAsStringAsync());
        Assert.Equal(before, await server.QueryAsync(db => db.Rooms.CountAsync()));
        await bob.CreateRoomAsync($"{second} {suffix}");
    }

    /// <summary>ASP.NET Core refuses a form holding U+0000 with 400 before any page runs; nothing is stored either way.</summary>
    [Fact]
    public async Task A_NUL_in_any_form_is_refused_and_nothing_is_stored()
    {
        using var alice = server.NewVisitor();
        var email = await alice.RegisterAsync();
        var slug = await alice.CreateRoomAsync("Private NUL", isPrivate: true);
        var rooms = await server.QueryAsync(db => db.Rooms.CountAsync());
        var users = await server.QueryAsync(db => db.Users.CountAsync());
        using var stranger = server.NewVisitor();

        var room = await alice.PostFormAsync("/", new() { ["Input.Name"] = "nul\u0000byte" });
        var name = await alice.SetDisplayNameAsync("nul\u0000byte");
        var invite = await alice.InviteAsync(slug, "nul\u0000byte");
        var signUp = await stranger.PostFormAsync("/Identity/Account/Register", new()
        {
            ["Input.Email"] = "nul\u0000byte@example.test",
            ["Input.Password"] = SiteClient.Password,
            ["Input.ConfirmPassword"] = SiteClient.Password,
        });

        Assert.All([room, name, invite, signUp], response => Assert.True(
            response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.OK or HttpStatusCode.UnprocessableEntity, response.StatusCode.ToString()));
        Assert.Equal(rooms, await server.QueryAsync(db => db.Rooms.CountAsync()));
        Assert.Equal(users, await server.QueryAsync(db => db.Users.CountAsync()));
        Assert.Null(await server.QueryAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.DisplayName).SingleAsync()));
        Assert.Equal(0, await server.QueryAsync(db => db.RoomMembers.CountAsync(m => m.Room!.Slug == slug)));
    }

    private static async Task<HttpResponseMessage> PostAsHtmxAsync(SiteClient client, string path, string formPage, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await client.FormTokenAsync(formPage);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("HX-Request", "true");
        return await client.Http.SendAsync(request);
    }
}
