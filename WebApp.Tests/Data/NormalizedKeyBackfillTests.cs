using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary>Rows from before the Normalized* columns get their keys at start-up, by the same rule as new rows.</summary>
[Collection(ChatServerCollection.Name)]
public sealed class NormalizedKeyBackfillTests(ChatServer server)
{
    [Fact]
    public async Task Start_up_gives_old_users_and_rooms_their_keys_and_keeps_one_owners_old_duplicates_apart()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        using var alice = server.NewVisitor();
        var email = await alice.RegisterAsync($"alice-{suffix}@example.test");
        await alice.SetDisplayNameAsync($"Zoë {suffix}");
        var first = await alice.CreateRoomAsync($"Café {suffix}");
        var second = await alice.CreateRoomAsync($"Plans {suffix}");
        // As an older version left them: no keys of ours, and a duplicate name it did not prevent.
        await server.QueryAsync(async db =>
        {
            await db.Users.Where(u => u.Email == email).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.NormalizedDisplayName, (string?)null)
                .SetProperty(x => x.NormalizedEmail, email.ToUpperInvariant() + "-old"));
            await db.Rooms.Where(r => r.Slug == first).ExecuteUpdateAsync(r => r.SetProperty(x => x.NormalizedName, (string?)null));
            return await db.Rooms.Where(r => r.Slug == second).ExecuteUpdateAsync(r => r
                .SetProperty(x => x.Name, "cafe\u0301 " + suffix).SetProperty(x => x.NormalizedName, (string?)null));
        });

        await server.Services.MigrateDatabaseAsync();

        var user = await server.QueryAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == email));
        var keys = await server.QueryAsync(db => db.Rooms.Where(r => r.Slug == first || r.Slug == second).OrderBy(r => r.Id).Select(r => r.NormalizedName).ToListAsync());
        Assert.Equal($"ZOË {suffix.ToUpperInvariant()}", user.NormalizedDisplayName);
        Assert.Equal(UserText.Key(email), user.NormalizedEmail);
        Assert.Equal($"CAFÉ {suffix.ToUpperInvariant()}", keys[0]);
        Assert.StartsWith($"CAFÉ {suffix.ToUpperInvariant()}\n", keys[1]);
    }
}
