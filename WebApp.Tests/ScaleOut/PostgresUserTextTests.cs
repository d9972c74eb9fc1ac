using System.Net.WebSockets;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.ScaleOut;

/// <summary>
/// The text rules hold on PostgreSQL too, which cannot store U+0000 at all: control characters and text that shows
/// nothing are refused with an error fragment before the database is asked, and keys fold any script there as well.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresUserTextTests(ScaleOutServers servers) : IAsyncLifetime
{
    private readonly string _database = $"chat_{Guid.NewGuid():N}";
    private SiteProcess _site = null!;

    public async Task InitializeAsync()
    {
        _site = new SiteProcess(servers.SiteSettings(_database));
        await _site.StartAsync();
    }

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task Control_characters_and_blank_text_are_refused_on_postgres_and_the_socket_stays_open()
    {
        using var alice = new SiteClient(_site.BaseAddress);
        var slug = await alice.SignUpWithRoomAsync("Postgres odd text");
        using var socket = await alice.ConnectAsync(slug);

        foreach (var text in new[] { "nul\u0000byte", "\u0000", "bell\u0007", "csi\u009B", "\u200B\u200B", "\u3164", "\u0301" })
        {
            await socket.SendMessageAsync(text);
            Assert.Contains("id=\"chat-error\"", await socket.ReceiveTextAsync());
        }
        await socket.SendMessageAsync("one\r\ntwo");
        await socket.ReceiveTextAsync();

        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal("one\\ntwo", await servers.Postgres.RunSqlAsync("""SELECT string_agg(replace("Text", E'\n', '\n'), '|') FROM "Messages" """, _database));
    }

    [Fact]
    public async Task Room_names_and_invites_fold_case_and_form_on_postgres()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        using var owner = new SiteClient(_site.BaseAddress);
        using var member = new SiteClient(_site.BaseAddress);
        await owner.RegisterAsync();
        await member.RegisterAsync();
        await member.SetDisplayNameAsync($"Zoë Ñúñez {suffix}");
        var slug = await owner.CreateRoomAsync($"Café {suffix}", isPrivate: true);

        var again = await owner.PostFormAsync("/", new() { ["Input.Name"] = $"CAFE\u0301 {suffix}" });
        var invite = await owner.InviteAsync(slug, $"zoe\u0308 n\u0303u\u0301n\u0303ez {suffix}");

        Assert.Contains("You already have a room called", await again.Content.ReadAsStringAsync());
        Assert.Equal(System.Net.HttpStatusCode.Redirect, invite.StatusCode);
        Assert.Equal("1", await servers.Postgres.RunSqlAsync("""SELECT count(*) FROM "Rooms" """, _database));
        Assert.Equal("1", await servers.Postgres.RunSqlAsync("""SELECT count(*) FROM "RoomMembers" """, _database));
    }
}
