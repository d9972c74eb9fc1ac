using Microsoft.EntityFrameworkCore;

namespace WebApp.Data;

public static class DatabaseStartup
{
    public static async Task MigrateDatabaseAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // The context's own type picks the migrations: SQLite's in Migrations, PostgreSQL's in Migrations/Postgres.
        await db.Database.MigrateAsync();
        if (db.Database.IsSqlite())
        {
            // WAL lets page reads run while a message is being written; the setting is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
        await BackfillNormalizedKeysAsync(db);
    }

    /// <summary>
    /// Rows written before the Normalized* columns existed (null there) get their <see cref="UserText.Key"/>s, and
    /// their Identity keys are recomputed by the same rule: SQL cannot do NFKC, so the migration only adds columns.
    /// Runs once per row: afterwards no key is null.
    /// </summary>
    private static async Task BackfillNormalizedKeysAsync(AppDbContext db)
    {
        const int batch = 500;
        while (await db.Users.Where(u => u.NormalizedDisplayName == null).OrderBy(u => u.Id).Take(batch).ToListAsync() is { Count: > 0 } users)
        {
            foreach (var user in users)
            {
                // Display names are unique: an old one someone already has (in any form) gets the first free suffix.
                var name = user.EffectiveDisplayName;
                var key = UserText.Key(name);
                for (var n = 2; await db.Users.AnyAsync(other => other.Id != user.Id && other.NormalizedDisplayName == key)
                    || users.Any(other => other != user && other.NormalizedDisplayName == key); n++)
                {
                    user.DisplayName = $"{name}-{n}";
                    key = UserText.Key(user.DisplayName);
                }
                user.NormalizedDisplayName = key;
                user.NormalizedEmail = user.Email is null ? null : UserText.Key(user.Email);
                // User names are unique: two old ones that the new rule makes equal keep their old keys.
                var userName = user.UserName is null ? null : UserText.Key(user.UserName);
                if (!await db.Users.AnyAsync(other => other.Id != user.Id && other.NormalizedUserName == userName)) user.NormalizedUserName = userName;
            }
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
        }

        while (await db.Rooms.Where(r => r.NormalizedName == null).OrderBy(r => r.Id).Take(batch).ToListAsync() is { Count: > 0 } rooms)
        {
            foreach (var room in rooms)
            {
                // One owner's old rooms may share a name: the later ones get a key no typed name can clash with.
                var key = UserText.Key(room.Name);
                var taken = await db.Rooms.AnyAsync(r => r.CreatedById == room.CreatedById && r.NormalizedName == key)
                    || rooms.Any(r => r != room && r.CreatedById == room.CreatedById && r.NormalizedName == key);
                room.NormalizedName = taken ? $"{key}\n{room.Id}" : key;
            }
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
        }
    }
}
