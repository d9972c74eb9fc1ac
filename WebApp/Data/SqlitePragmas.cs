using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace WebApp.Data;

/// <summary>
/// <c>synchronous=NORMAL</c> on every connection: with the WAL journal a commit is then safe from a crash of the
/// process (the hard-kill test proves it) without an fsync per commit; only a power cut can take the newest ones.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=NORMAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
