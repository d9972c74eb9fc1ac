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
    }
}
