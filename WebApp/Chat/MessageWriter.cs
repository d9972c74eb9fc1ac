using System.Data;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>What a sender asked to store.</summary>
public sealed record NewMessage(int RoomId, string AuthorId, string AuthorName, string Text, string? ClientId);

/// <summary>A stored message; <c>IsNew</c> is false when it was a resend of one stored earlier (same author and client id).</summary>
public sealed record StoredMessage(ChatMessage Message, bool IsNew);

/// <summary>
/// Group commit: one writer owns a database connection and stores whatever messages queued up while its previous
/// transaction committed, all in one transaction. A message is reported stored only after its batch commits, so
/// nothing is broadcast that a crash could take back, and a busy server commits once for many messages instead of
/// once each. Each message claims the next number of its room's gap-free sequence in the same transaction.
/// </summary>
/// <remarks>
/// A hosted service registered before the server, so it stops after the server has drained its sockets: on stop it
/// takes no more messages and stores every one already queued before the container disposes the database.
/// </remarks>
public sealed class MessageWriter(
    IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, ChatMetrics metrics, ILogger<MessageWriter> logger) : BackgroundService
{
    /// <summary>Enough to amortise a commit; small enough that one batch never holds the database for long.</summary>
    private const int MaxBatch = 512;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Completes once the message is durable (or was already stored); throws when it could not be stored.</summary>
    public Task<StoredMessage> StoreAsync(NewMessage message)
    {
        var pending = new Pending(message);
        if (!_queue.Writer.TryWrite(pending)) throw new InvalidOperationException("The message writer has stopped.");
        return pending.Completion.Task;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Completing the queue (not the stopping token) ends the loop, once what is queued is stored.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _queue.Writer.TryComplete();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        Commands? commands = null;
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending)) batch.Add(pending);
            try
            {
                commands ??= await Commands.OpenAsync(dbFactory);
                await CommitAsync(commands, batch);
            }
            catch (Exception e)
            {
                // The connection may be what failed: start the next batch on a new one.
                logger.LogError(e, "Storing a batch of {Count} messages failed", batch.Count);
                foreach (var pending in batch) pending.Completion.TrySetException(e);
                if (commands is not null) await commands.DisposeAsync();
                commands = null;
            }
            batch.Clear();
        }
        if (commands is not null) await commands.DisposeAsync();
    }

    /// <summary>
    /// Stores the batch in one transaction. Should it fail, each message is retried alone, so one bad message (say, in
    /// a room deleted meanwhile) fails by itself instead of taking the batch with it.
    /// </summary>
    private async Task CommitAsync(Commands commands, List<Pending> batch)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        try
        {
            var results = await commands.StoreAsync(batch.Select(p => p.Message).ToList(), now);
            metrics.MessagesPersisted(results.Count(r => r.IsNew));
            for (var i = 0; i < batch.Count; i++) batch[i].Completion.TrySetResult(results[i]);
        }
        catch (Exception e) when (batch.Count > 1)
        {
            logger.LogWarning(e, "A batch of {Count} messages failed; storing them one by one", batch.Count);
            foreach (var pending in batch)
            {
                try
                {
                    var result = (await commands.StoreAsync([pending.Message], now))[0];
                    if (result.IsNew) metrics.MessagesPersisted(1);
                    pending.Completion.TrySetResult(result);
                }
                catch (Exception single)
                {
                    logger.LogError(single, "Storing a message in room {RoomId} failed", pending.Message.RoomId);
                    pending.Completion.TrySetException(single);
                }
            }
        }
    }

    private sealed class Pending(NewMessage message)
    {
        public NewMessage Message { get; } = message;
        public TaskCompletionSource<StoredMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// The writer's connection and its three prepared statements. Plain SQL that SQLite and PostgreSQL both accept;
    /// each runs once per message, so they skip EF Core's change tracking.
    /// </summary>
    private sealed class Commands : IAsyncDisposable
    {
        private readonly AppDbContext _db;
        private readonly DbConnection _connection;
        private readonly DbCommand _findResend;
        private readonly DbCommand _claimSeq;
        private readonly DbCommand _insert;

        private Commands(AppDbContext db)
        {
            _db = db;
            _connection = db.Database.GetDbConnection();
            _findResend = Command(
                """SELECT "Id", "RoomId", "Seq", "AuthorName", "Text", "SentAt" FROM "Messages" WHERE "AuthorId" = @author AND "ClientId" = @client""",
                ("@author", DbType.String), ("@client", DbType.String));
            _claimSeq = Command(
                """UPDATE "Rooms" SET "LastSeq" = "LastSeq" + 1, "LastMessageAt" = @now WHERE "Id" = @room RETURNING "LastSeq" """,
                ("@now", null), ("@room", DbType.Int32));
            _insert = Command(
                """
                INSERT INTO "Messages" ("RoomId", "Seq", "AuthorId", "AuthorName", "Text", "SentAt", "ClientId")
                VALUES (@room, @seq, @author, @name, @text, @now, @client) RETURNING "Id"
                """,
                ("@room", DbType.Int32), ("@seq", DbType.Int64), ("@author", DbType.String), ("@name", DbType.String),
                ("@text", DbType.String), ("@now", null), ("@client", DbType.String));
        }

        public static async Task<Commands> OpenAsync(IDbContextFactory<AppDbContext> dbFactory)
        {
            var db = await dbFactory.CreateDbContextAsync();
            // Opened through EF Core so its interceptors (the SQLite pragmas) apply.
            await db.Database.OpenConnectionAsync();
            return new Commands(db);
        }

        public async Task<List<StoredMessage>> StoreAsync(IReadOnlyList<NewMessage> messages, DateTime now)
        {
            await using var transaction = await _connection.BeginTransactionAsync();
            _findResend.Transaction = _claimSeq.Transaction = _insert.Transaction = transaction;
            var stored = new List<StoredMessage>(messages.Count);
            foreach (var message in messages)
            {
                stored.Add(await FindResendAsync(message) ?? new StoredMessage(await InsertAsync(message, now), IsNew: true));
            }
            await transaction.CommitAsync();
            return stored;
        }

        private async Task<StoredMessage?> FindResendAsync(NewMessage message)
        {
            if (message.ClientId is null) return null;
            _findResend.Parameters[0].Value = message.AuthorId;
            _findResend.Parameters[1].Value = message.ClientId;
            await using var reader = await _findResend.ExecuteReaderAsync();
            if (!await reader.ReadAsync()) return null;
            return new StoredMessage(new ChatMessage
            {
                Id = reader.GetInt64(0),
                RoomId = reader.GetInt32(1),
                Seq = reader.GetInt64(2),
                AuthorId = message.AuthorId,
                AuthorName = reader.GetString(3),
                Text = reader.GetString(4),
                SentAt = DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc),
                ClientId = message.ClientId,
            }, IsNew: false);
        }

        private async Task<ChatMessage> InsertAsync(NewMessage message, DateTime now)
        {
            _claimSeq.Parameters[0].Value = now;
            _claimSeq.Parameters[1].Value = message.RoomId;
            var seq = await _claimSeq.ExecuteScalarAsync() ?? throw new InvalidOperationException($"Room {message.RoomId} no longer exists.");

            var stored = new ChatMessage
            {
                RoomId = message.RoomId,
                Seq = Convert.ToInt64(seq),
                AuthorId = message.AuthorId,
                AuthorName = message.AuthorName,
                Text = message.Text,
                SentAt = now,
                ClientId = message.ClientId,
            };
            _insert.Parameters[0].Value = stored.RoomId;
            _insert.Parameters[1].Value = stored.Seq;
            _insert.Parameters[2].Value = stored.AuthorId;
            _insert.Parameters[3].Value = stored.AuthorName;
            _insert.Parameters[4].Value = stored.Text;
            _insert.Parameters[5].Value = now;
            _insert.Parameters[6].Value = (object?)stored.ClientId ?? DBNull.Value;
            stored.Id = Convert.ToInt64(await _insert.ExecuteScalarAsync());
            return stored;
        }

        private DbCommand Command(string sql, params (string Name, DbType? Type)[] parameters)
        {
            var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, type) in parameters)
            {
                var parameter = command.CreateParameter();
                // With its prefix, so SQLite finds it by name once instead of trying each prefix on every bind.
                parameter.ParameterName = name;
                // Dates are left to the provider to infer: a UTC DateTime becomes PostgreSQL's timestamptz, and
                // SQLite's text in the same format EF Core writes.
                if (type is { } known) parameter.DbType = known;
                command.Parameters.Add(parameter);
            }
            return command;
        }

        public async ValueTask DisposeAsync()
        {
            await _findResend.DisposeAsync();
            await _claimSeq.DisposeAsync();
            await _insert.DisposeAsync();
            await _db.DisposeAsync();
        }
    }
}
