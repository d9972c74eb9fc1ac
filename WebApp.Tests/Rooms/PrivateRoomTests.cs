using System.Diagnostics;
using System.Net;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>Private rooms are authorization, not just authentication: outsiders cannot see, enter or stay.</summary>
[Collection(ChatServerCollection.Name)]
public sealed class PrivateRoomTests(ChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _owner = server.NewVisitor();
    private readonly SiteClient _member = server.NewVisitor();
    private readonly SiteClient _outsider = server.NewVisitor();
    private string _memberEmail = "";
    private string _slug = "";

    public async Task InitializeAsync()
    {
        await _owner.RegisterAsync();
        _memberEmail = await _member.RegisterAsync(SiteClient.NewEmail("member"));
        await _outsider.RegisterAsync();
        _slug = await _owner.CreateRoomAsync("Secret plans " + Guid.NewGuid().ToString("N")[..6], isPrivate: true);
    }

    public Task DisposeAsync()
    {
        _owner.Dispose();
        _member.Dispose();
        _outsider.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Outsiders_get_404_for_the_page_and_the_token_and_do_not_see_it_listed()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _outsider.Http.GetAsync($"/rooms/{_slug}")).StatusCode);
        var antiforgery = await _outsider.FormTokenAsync("/");
        var tokenRequest = new HttpRequestMessage(HttpMethod.Post, $"/rooms/{_slug}?handler=SocketToken");
        tokenRequest.Headers.Add("RequestVerificationToken", antiforgery);
        Assert.Equal(HttpStatusCode.NotFound, (await _outsider.Http.SendAsync(tokenRequest)).StatusCode);
        Assert.DoesNotContain(_slug, await _outsider.Http.GetStringAsync("/"));
        Assert.Contains(_slug, await _owner.Http.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_token_for_the_room_forged_for_an_outsider_gets_403()
    {
        // The outsider's own token for a public room, re-signed to name the private room (as if the key leaked).
        var publicRoom = await _outsider.CreateRoomAsync("Outsider's public room");
        var outsiderToken = (await _outsider.SocketTokenAsync(publicRoom)).Token;
        var forged = ForgedTokens.From(outsiderToken, new ForgedTokens.Changes { Room = _slug });

        Assert.Equal(HttpStatusCode.Forbidden, await _outsider.UpgradeStatusAsync(_slug, forged));
        Assert.Contains(server.Logs.Lines, line => line.Contains("not a member of this private room"));
    }

    [Fact]
    public async Task Invited_member_by_email_can_see_and_join_and_chat()
    {
        Assert.Equal(HttpStatusCode.Redirect, (await _owner.InviteAsync(_slug, _memberEmail)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _member.Http.GetAsync($"/rooms/{_slug}")).StatusCode);
        Assert.Contains(_slug, await _member.Http.GetStringAsync("/"));
        using var socket = await _member.ConnectAsync(_slug);
        await socket.SendMessageAsync("glad to be in");
        Assert.Contains("glad to be in", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task Members_can_be_invited_by_display_name()
    {
        var name = "Invitee" + Guid.NewGuid().ToString("N")[..6];
        await _member.SetDisplayNameAsync(name);

        await _owner.InviteAsync(_slug, name.ToLowerInvariant());

        Assert.Equal(HttpStatusCode.OK, (await _member.Http.GetAsync($"/rooms/{_slug}")).StatusCode);
    }

    [Fact]
    public async Task Only_the_owner_may_invite()
    {
        await _owner.InviteAsync(_slug, _memberEmail);

        var byMember = await _member.InviteAsync(_slug, "anyone@example.test");

        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
    }

    [Fact]
    public async Task Removing_a_member_closes_their_sockets_with_4003_and_a_held_token_then_gets_403()
    {
        await _owner.InviteAsync(_slug, _memberEmail);
        var memberId = await _member.UserIdAsync(_slug);
        var heldToken = (await _member.SocketTokenAsync(_slug)).Token;
        var socket = new CloseWatch(await _member.ConnectAsync(_slug));

        var start = Stopwatch.GetTimestamp();
        await _owner.RemoveMemberAsync(_slug, memberId);

        var (status, _, after) = await socket.ClosedAsync(start);
        Assert.Equal(4003, (int?)status);
        Assert.True(after <= TimeSpan.FromSeconds(1), $"closed after {after.TotalMilliseconds:F0} ms");
        Assert.Equal(HttpStatusCode.Forbidden, await _member.UpgradeStatusAsync(_slug, heldToken));
        Assert.Equal(HttpStatusCode.NotFound, (await _member.Http.GetAsync($"/rooms/{_slug}")).StatusCode);
    }

    [Fact]
    public async Task Inviting_nobody_or_an_unknown_person_explains_why()
    {
        var unknown = await _owner.InviteAsync(_slug, "nobody-at-all@example.test");
        var blank = await _owner.InviteAsync(_slug, "   ");

        Assert.Contains("Nobody has the email", await unknown.Content.ReadAsStringAsync());
        Assert.Contains("Enter a display name or an email", await blank.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Posting_without_an_antiforgery_token_is_refused()
    {
        var invite = await _owner.Http.PostAsync($"/rooms/{_slug}?handler=Invite",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Invite.NameOrEmail"] = _memberEmail }));
        var create = await _owner.Http.PostAsync("/", new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Name"] = "No token" }));

        Assert.Equal(HttpStatusCode.BadRequest, invite.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _member.Http.GetAsync($"/rooms/{_slug}")).StatusCode);
    }
}
