using System.Net.WebSockets;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

/// <summary>The site with every database statement logged (EF Core's command log), so a test can count them.</summary>
public sealed class StatementLoggingChatServer : ChatServer
{
    protected override Dictionary<string, string> Settings => new(base.Settings)
    {
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Information",
    };

    /// <summary>Database statements run so far (one "Executed DbCommand" line each).</summary>
    public IReadOnlyList<string> Statements => [.. Logs.Lines.Where(line => line.Contains("Executed DbCommand", StringComparison.Ordinal))];
}

/// <summary>
/// What an upgrade costs the database (issue 16, "connect"): once a room is live here and its user's security state and
/// membership are cached, opening another socket reads nothing, whatever kind of room or resume point.
/// </summary>
public sealed class UpgradeCostTests(StatementLoggingChatServer server) : IClassFixture<StatementLoggingChatServer>
{
    public enum Joiner { PublicRoomOwner, PrivateRoomOwner, InvitedMember }

    [Theory]
    [InlineData(Joiner.PublicRoomOwner, false)]
    [InlineData(Joiner.PublicRoomOwner, true)]
    [InlineData(Joiner.PrivateRoomOwner, false)]
    [InlineData(Joiner.InvitedMember, false)]
    [InlineData(Joiner.InvitedMember, true)]
    public async Task Upgrades_once_user_and_room_are_known_run_no_database_statement(Joiner joiner, bool resumesWhereItIs)
    {
        using var owner = server.NewVisitor();
        using var member = server.NewVisitor();
        await owner.RegisterAsync();
        var memberEmail = await member.RegisterAsync();
        var slug = await owner.CreateRoomAsync($"Upgrade cost {joiner}", isPrivate: joiner != Joiner.PublicRoomOwner);
        if (joiner == Joiner.InvitedMember) (await owner.InviteAsync(slug, memberEmail)).Dispose();
        var person = joiner == Joiner.InvitedMember ? member : owner;

        // The first socket makes the room live here and caches the user and the membership.
        using var first = await person.ConnectAsync(slug);
        await first.ReceiveAsync();
        var tokens = new List<string>();
        for (var i = 0; i < 3; i++) tokens.Add((await person.SocketTokenAsync(slug)).Token);

        var before = server.Statements.Count;
        var sockets = new List<ClientWebSocket>();
        try
        {
            foreach (var token in tokens)
            {
                var socket = await person.ConnectWithTokenAsync(slug, token, after: resumesWhereItIs ? 0 : null);
                sockets.Add(socket);
                // Its first frame (who is online) is sent once it has joined.
                Assert.NotNull((await socket.ReceiveAsync()).Text);
            }

            var during = server.Statements.Skip(before).ToList();
            Assert.True(during.Count == 0, $"{during.Count} statements for {tokens.Count} upgrades:\n{string.Join('\n', during)}");
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }
}
