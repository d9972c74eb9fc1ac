using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace WebApp.Data;

/// <summary>
/// Adds the SQL function <c>chat_fold(text)</c> to every SQLite connection: the text in lower case by .NET's invariant
/// Unicode mapping (<see cref="string.ToLowerInvariant"/>), NULL for NULL. SQLite's own <c>LIKE</c>, <c>lower()</c>
/// and <c>upper()</c> fold ASCII letters only, so without it a search for <c>éa</c> misses <c>Éa</c>
/// (<see cref="MessageSearch"/> matches terms too short for the trigram index with it).
/// </summary>
public sealed class SqliteTextFolding : DbConnectionInterceptor
{
    /// <summary>The function's name in SQL.</summary>
    public const string Function = "chat_fold";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Register(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Register(connection);
        return Task.CompletedTask;
    }

    private static void Register(DbConnection connection)
    {
        if (connection is SqliteConnection sqlite) sqlite.CreateFunction(Function, (string? text) => text?.ToLowerInvariant(), isDeterministic: true);
    }
}
