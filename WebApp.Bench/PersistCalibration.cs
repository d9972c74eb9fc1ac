using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace WebApp.Bench;

/// <summary>
/// The persist scenario's calibration: the inserts the site's group commit makes for each message (claim the room's
/// next sequence number, insert the message) in a bare loop, batched in transactions of the writer's largest batch, on a
/// copy of the site's own database (same schema, indexes and FTS5 trigram triggers, same disk, same pragmas). Run once
/// with the search triggers and once without them.
/// </summary>
public static class PersistCalibration
{
    /// <summary>The site's MessageWriter stores up to this many messages per transaction.</summary>
    public const int Batch = 512;

    /// <param name="WithTriggers">Messages durable per second with the site's FTS5 triggers.</param>
    /// <param name="WithoutTriggers">The same without them.</param>
    public sealed record Figures(double WithTriggers, double WithoutTriggers, int Batch);

    /// <summary>Inserts <paramref name="messages"/> messages, round robin over the site's rooms, into a copy of <paramref name="siteDatabase"/>.</summary>
    public static async Task<Figures> RunAsync(string siteDatabase, int messages)
    {
        var copy = Path.Combine(Path.GetDirectoryName(siteDatabase)!, "calibration.db");
        await using (var source = new SqliteConnection($"Data Source={siteDatabase};Pooling=False"))
        {
            await source.OpenAsync();
            await ExecuteAsync(source, $"VACUUM INTO '{copy.Replace("'", "''")}'");
        }
        try
        {
            await using var db = new SqliteConnection($"Data Source={copy};Pooling=False");
            await db.OpenAsync();
            // As the site: WAL (DatabaseStartup), synchronous=NORMAL (SqlitePragmas), foreign keys on (EF Core's SQLite provider).
            await ExecuteAsync(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
            await ExecuteAsync(db, """DELETE FROM "Messages" """);
            var rooms = await ReadAsync(db, """SELECT "Id" FROM "Rooms" ORDER BY "Id" """, r => r.GetInt64(0));
            var author = (await ReadAsync(db, """SELECT "Id", "UserName" FROM "AspNetUsers" LIMIT 1""", r => (Id: r.GetString(0), Name: r.GetString(1))))[0];

            var withTriggers = Loop(db, rooms, author, messages);
            await ExecuteAsync(db, """DELETE FROM "Messages" """);
            foreach (var trigger in await ReadAsync(db, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'Messages'", r => r.GetString(0)))
            {
                await ExecuteAsync(db, $"DROP TRIGGER \"{trigger}\"");
            }
            var withoutTriggers = Loop(db, rooms, author, messages);
            return new Figures(withTriggers, withoutTriggers, Batch);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { copy, copy + "-wal", copy + "-shm" }) File.Delete(file);
        }
    }

    /// <summary>Returns messages per second, each counted once its transaction committed.</summary>
    private static double Loop(SqliteConnection db, IReadOnlyList<long> rooms, (string Id, string Name) author, int messages)
    {
        using var claim = db.CreateCommand();
        claim.CommandText = """UPDATE "Rooms" SET "LastSeq" = "LastSeq" + 1, "LastMessageAt" = @now WHERE "Id" = @room RETURNING "LastSeq" """;
        var claimNow = claim.Parameters.Add("@now", SqliteType.Text);
        var claimRoom = claim.Parameters.Add("@room", SqliteType.Integer);
        using var insert = db.CreateCommand();
        insert.CommandText = """
            INSERT INTO "Messages" ("RoomId", "Seq", "AuthorId", "AuthorName", "Text", "SentAt", "ClientId")
            VALUES (@room, @seq, @author, @name, @text, @now, NULL) RETURNING "Id"
            """;
        var room = insert.Parameters.Add("@room", SqliteType.Integer);
        var seq = insert.Parameters.Add("@seq", SqliteType.Integer);
        insert.Parameters.AddWithValue("@author", author.Id);
        insert.Parameters.AddWithValue("@name", author.Name);
        var text = insert.Parameters.Add("@text", SqliteType.Text);
        var now = insert.Parameters.Add("@now", SqliteType.Text);

        var start = Stopwatch.GetTimestamp();
        for (var done = 0; done < messages;)
        {
            using var transaction = db.BeginTransaction();
            (claim.Transaction, insert.Transaction) = (transaction, transaction);
            claimNow.Value = now.Value = DateTime.UtcNow;
            for (var i = 0; i < Batch && done < messages; i++, done++)
            {
                claimRoom.Value = room.Value = rooms[done % rooms.Count];
                seq.Value = claim.ExecuteScalar();
                text.Value = BenchMessage.Text(done % rooms.Count, done / rooms.Count, Stopwatch.GetTimestamp());
                insert.ExecuteScalar();
            }
            transaction.Commit();
        }
        return messages / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static async Task ExecuteAsync(SqliteConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<T>> ReadAsync<T>(SqliteConnection db, string sql, Func<SqliteDataReader, T> read)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(read(reader));
        return rows;
    }
}
