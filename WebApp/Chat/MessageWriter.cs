using System.Data;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>
/// Group commit: one writer owns a database connection and stores whatever room events (postings, edits, deletions)
/// queued up while its previous transaction committed, all in one transaction. An event is reported stored only after
/// its batch commits, so nothing is broadcast that a crash could take back, and a busy server commits once for many
/// events instead of once each. Each event claims the next number of its room's gap-free event sequence in the same
/// transaction, and edits and deletions check there, under the transaction, that the message is still there and whose
/// it is.
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
    private int _pending;

    /// <summary>Commands taken and not yet settled (stored, refused or failed): queued, or in the batch being committed.</summary>
    public int PendingCommands => Volatile.Read(ref _pending);

    /// <summary>
    /// Completes once the event is durable (a resent posting: once the original is found), or with a refusal; throws
    /// when it could not be stored.
    /// </summary>
    public Task<RoomCommandResult> StoreAsync(RoomCommand command)
    {
        var pending = new Pending(command);
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _pending);
            throw new InvalidOperationException("The message writer has stopped.");
        }
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
            Interlocked.Add(ref _pending, -batch.Count);
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
            var results = await commands.StoreAsync(batch.Select(p => p.Command).ToList(), now);
            metrics.MessagesPersisted(results.Count(r => r.IsNew && r.Event?.Kind == RoomEventKind.Posted));
            for (var i = 0; i < batch.Count; i++) batch[i].Completion.TrySetResult(results[i]);
        }
        catch (Exception e) when (batch.Count > 1)
        {
            logger.LogWarning(e, "A batch of {Count} room events failed; storing them one by one", batch.Count);
            foreach (var pending in batch)
            {
                try
                {
                    var result = (await commands.StoreAsync([pending.Command], now))[0];
                    if (result.IsNew && result.Event?.Kind == RoomEventKind.Posted) metrics.MessagesPersisted(1);
                    pending.Completion.TrySetResult(result);
                }
                catch (Exception single)
                {
                    logger.LogError(single, "Storing a room event in room {RoomId} failed", pending.Command.RoomId);
                    pending.Completion.TrySetException(single);
                }
            }
        }
    }

    private sealed class Pending(RoomCommand command)
    {
        public RoomCommand Command { get; } = command;
        public TaskCompletionSource<RoomCommandResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// The writer's connection and its prepared statements. Plain SQL that SQLite and PostgreSQL both accept; each
    /// runs once per event, so they skip EF Core's change tracking.
    /// </summary>
    private sealed class Commands : IAsyncDisposable
    {
        private const string MessageColumns = """ "Id", "RoomId", "Seq", "AuthorId", "AuthorName", "Text", "SentAt", "ClientId", "EditedAt", "DeletedAt" """;

        private readonly AppDbContext _db;
        private readonly DbConnection _connection;
        private readonly DbCommand _findResend;
        private readonly DbCommand _findMessage;
        private readonly DbCommand _findMentions;
        private readonly DbCommand _claimPostingSeq;
        private readonly DbCommand _claimChangeSeq;
        private readonly DbCommand _insert;
        private readonly DbCommand _update;
        private readonly DbCommand _insertChange;
        private readonly DbCommand _deleteMentions;
        private readonly DbCommand _insertMention;
        private readonly DbCommand[] _all;

        private Commands(AppDbContext db)
        {
            _db = db;
            _connection = db.Database.GetDbConnection();
            _findResend = Command(
                $"""SELECT {MessageColumns} FROM "Messages" WHERE "AuthorId" = @author AND "ClientId" = @client""",
                ("@author", DbType.String), ("@client", DbType.String));
            _findMessage = Command(
                $"""SELECT {MessageColumns} FROM "Messages" WHERE "Id" = @id AND "RoomId" = @room""",
                ("@id", DbType.Int64), ("@room", DbType.Int32));
            _findMentions = Command(
                """SELECT "UserId", "Start", "Length" FROM "MessageMentions" WHERE "MessageId" = @id ORDER BY "Start" """,
                ("@id", DbType.Int64));
            _claimPostingSeq = Command(
                """UPDATE "Rooms" SET "LastSeq" = "LastSeq" + 1, "LastMessageAt" = @now WHERE "Id" = @room RETURNING "LastSeq" """,
                ("@now", null), ("@room", DbType.Int32));
            _claimChangeSeq = Command(
                """UPDATE "Rooms" SET "LastSeq" = "LastSeq" + 1 WHERE "Id" = @room RETURNING "LastSeq" """,
                ("@room", DbType.Int32));
            _insert = Command(
                """
                INSERT INTO "Messages" ("RoomId", "Seq", "AuthorId", "AuthorName", "Text", "SentAt", "ClientId")
                VALUES (@room, @seq, @author, @name, @text, @now, @client) RETURNING "Id"
                """,
                ("@room", DbType.Int32), ("@seq", DbType.Int64), ("@author", DbType.String), ("@name", DbType.String),
                ("@text", DbType.String), ("@now", null), ("@client", DbType.String));
            _update = Command(
                """UPDATE "Messages" SET "Text" = @text, "EditedAt" = @edited, "DeletedAt" = @deleted WHERE "Id" = @id""",
                ("@text", DbType.String), ("@edited", null), ("@deleted", null), ("@id", DbType.Int64));
            _insertChange = Command(
                """INSERT INTO "MessageChanges" ("RoomId", "Seq", "MessageId", "Kind", "At") VALUES (@room, @seq, @id, @kind, @now)""",
                ("@room", DbType.Int32), ("@seq", DbType.Int64), ("@id", DbType.Int64), ("@kind", DbType.Int32), ("@now", null));
            _deleteMentions = Command("""DELETE FROM "MessageMentions" WHERE "MessageId" = @id""", ("@id", DbType.Int64));
            _insertMention = Command(
                """
                INSERT INTO "MessageMentions" ("MessageId", "UserId", "RoomId", "Seq", "Start", "Length")
                VALUES (@id, @user, @room, @seq, @start, @length)
                """,
                ("@id", DbType.Int64), ("@user", DbType.String), ("@room", DbType.Int32), ("@seq", DbType.Int64),
                ("@start", DbType.Int32), ("@length", DbType.Int32));
            _all = [_findResend, _findMessage, _findMentions, _claimPostingSeq, _claimChangeSeq, _insert, _update, _insertChange, _deleteMentions, _insertMention];
        }

        public static async Task<Commands> OpenAsync(IDbContextFactory<AppDbContext> dbFactory)
        {
            var db = await dbFactory.CreateDbContextAsync();
            // Opened through EF Core so its interceptors (the SQLite pragmas) apply.
            await db.Database.OpenConnectionAsync();
            return new Commands(db);
        }

        public async Task<List<RoomCommandResult>> StoreAsync(IReadOnlyList<RoomCommand> commands, DateTime now)
        {
            await using var transaction = await _connection.BeginTransactionAsync();
            foreach (var command in _all) command.Transaction = transaction;
            var results = new List<RoomCommandResult>(commands.Count);
            foreach (var command in commands)
            {
                results.Add(command switch
                {
                    PostMessage post => await PostAsync(post, now),
                    EditMessage edit => await EditAsync(edit, now),
                    DeleteMessage delete => await DeleteAsync(delete, now),
                    _ => throw new ArgumentException($"Unknown room command {command.GetType().Name}."),
                });
            }
            await transaction.CommitAsync();
            return results;
        }

        private async Task<RoomCommandResult> PostAsync(PostMessage post, DateTime now)
        {
            if (post.ClientId is not null)
            {
                _findResend.Parameters[0].Value = post.UserId;
                _findResend.Parameters[1].Value = post.ClientId;
                if (await ReadMessageAsync(_findResend) is { } earlier)
                {
                    return new RoomCommandResult(new RoomEvent(earlier.Seq, RoomEventKind.Posted, earlier), IsNew: false, RoomCommandRefusal.None);
                }
            }

            var message = new ChatMessage
            {
                RoomId = post.RoomId,
                Seq = await ClaimSeqAsync(_claimPostingSeq, post.RoomId, now),
                AuthorId = post.UserId,
                AuthorName = post.AuthorName,
                Text = post.Text,
                SentAt = now,
                ClientId = post.ClientId,
            };
            _insert.Parameters[0].Value = message.RoomId;
            _insert.Parameters[1].Value = message.Seq;
            _insert.Parameters[2].Value = message.AuthorId;
            _insert.Parameters[3].Value = message.AuthorName;
            _insert.Parameters[4].Value = message.Text;
            _insert.Parameters[5].Value = now;
            _insert.Parameters[6].Value = (object?)message.ClientId ?? DBNull.Value;
            message.Id = Convert.ToInt64(await _insert.ExecuteScalarAsync());
            await InsertMentionsAsync(message, post.Mentions);
            return new RoomCommandResult(new RoomEvent(message.Seq, RoomEventKind.Posted, message), IsNew: true, RoomCommandRefusal.None);
        }

        private async Task<RoomCommandResult> EditAsync(EditMessage edit, DateTime now)
        {
            var message = await FindLiveMessageAsync(edit.RoomId, edit.MessageId);
            if (message is null) return RoomCommandResult.Refused(RoomCommandRefusal.NotFound);
            if (message.AuthorId != edit.UserId) return RoomCommandResult.Refused(RoomCommandRefusal.NotYours);

            var seq = await ClaimSeqAsync(_claimChangeSeq, edit.RoomId, now);
            message.Text = edit.Text;
            message.EditedAt = now;
            await UpdateAsync(message);
            await DeleteMentionsAsync(message.Id);
            await InsertMentionsAsync(message, edit.Mentions);
            await InsertChangeAsync(message, seq, MessageChangeKind.Edited, now);
            return new RoomCommandResult(new RoomEvent(seq, RoomEventKind.Edited, message), IsNew: true, RoomCommandRefusal.None);
        }

        private async Task<RoomCommandResult> DeleteAsync(DeleteMessage delete, DateTime now)
        {
            var message = await FindLiveMessageAsync(delete.RoomId, delete.MessageId);
            if (message is null) return RoomCommandResult.Refused(RoomCommandRefusal.NotFound);
            if (message.AuthorId != delete.UserId && !delete.AsRoomOwner) return RoomCommandResult.Refused(RoomCommandRefusal.NotYours);

            var seq = await ClaimSeqAsync(_claimChangeSeq, delete.RoomId, now);
            // Nothing of the text stays: not in the row, not in the mentions.
            message.Text = "";
            message.DeletedAt = now;
            await UpdateAsync(message);
            await DeleteMentionsAsync(message.Id);
            message.Mentions = [];
            await InsertChangeAsync(message, seq, MessageChangeKind.Deleted, now);
            return new RoomCommandResult(new RoomEvent(seq, RoomEventKind.Deleted, message), IsNew: true, RoomCommandRefusal.None);
        }

        /// <summary>The message if it is in this room and not deleted.</summary>
        private async Task<ChatMessage?> FindLiveMessageAsync(int roomId, long messageId)
        {
            _findMessage.Parameters[0].Value = messageId;
            _findMessage.Parameters[1].Value = roomId;
            var message = await ReadMessageAsync(_findMessage);
            return message is { IsDeleted: false } ? message : null;
        }

        private async Task<long> ClaimSeqAsync(DbCommand claim, int roomId, DateTime now)
        {
            if (claim == _claimPostingSeq)
            {
                claim.Parameters[0].Value = now;
                claim.Parameters[1].Value = roomId;
            }
            else
            {
                claim.Parameters[0].Value = roomId;
            }
            var seq = await claim.ExecuteScalarAsync() ?? throw new InvalidOperationException($"Room {roomId} no longer exists.");
            return Convert.ToInt64(seq);
        }

        private async Task UpdateAsync(ChatMessage message)
        {
            _update.Parameters[0].Value = message.Text;
            _update.Parameters[1].Value = (object?)message.EditedAt ?? DBNull.Value;
            _update.Parameters[2].Value = (object?)message.DeletedAt ?? DBNull.Value;
            _update.Parameters[3].Value = message.Id;
            await _update.ExecuteNonQueryAsync();
        }

        private async Task DeleteMentionsAsync(long messageId)
        {
            _deleteMentions.Parameters[0].Value = messageId;
            await _deleteMentions.ExecuteNonQueryAsync();
        }

        private async Task InsertMentionsAsync(ChatMessage message, IReadOnlyList<MentionSpan> mentions)
        {
            // One row per person named; the first place they are named is the one kept (a render marks every place
            // the same words appear).
            var distinct = mentions.DistinctBy(m => m.UserId).ToList();
            foreach (var mention in distinct)
            {
                _insertMention.Parameters[0].Value = message.Id;
                _insertMention.Parameters[1].Value = mention.UserId;
                _insertMention.Parameters[2].Value = message.RoomId;
                _insertMention.Parameters[3].Value = message.Seq;
                _insertMention.Parameters[4].Value = mention.Start;
                _insertMention.Parameters[5].Value = mention.Length;
                await _insertMention.ExecuteNonQueryAsync();
            }
            message.Mentions = [.. distinct.Select(m => new MessageMention
            {
                MessageId = message.Id, UserId = m.UserId, RoomId = message.RoomId, Seq = message.Seq, Start = m.Start, Length = m.Length,
            })];
        }

        private async Task InsertChangeAsync(ChatMessage message, long seq, MessageChangeKind kind, DateTime now)
        {
            _insertChange.Parameters[0].Value = message.RoomId;
            _insertChange.Parameters[1].Value = seq;
            _insertChange.Parameters[2].Value = message.Id;
            _insertChange.Parameters[3].Value = (int)kind;
            _insertChange.Parameters[4].Value = now;
            await _insertChange.ExecuteNonQueryAsync();
        }

        /// <summary>The first row of <paramref name="query"/> (selecting <see cref="MessageColumns"/>) with its mentions, or null.</summary>
        private async Task<ChatMessage?> ReadMessageAsync(DbCommand query)
        {
            ChatMessage message;
            await using (var reader = await query.ExecuteReaderAsync())
            {
                if (!await reader.ReadAsync()) return null;
                message = new ChatMessage
                {
                    Id = reader.GetInt64(0),
                    RoomId = reader.GetInt32(1),
                    Seq = reader.GetInt64(2),
                    AuthorId = reader.GetString(3),
                    AuthorName = reader.GetString(4),
                    Text = reader.GetString(5),
                    SentAt = Utc(reader.GetDateTime(6)),
                    ClientId = reader.IsDBNull(7) ? null : reader.GetString(7),
                    EditedAt = reader.IsDBNull(8) ? null : Utc(reader.GetDateTime(8)),
                    DeletedAt = reader.IsDBNull(9) ? null : Utc(reader.GetDateTime(9)),
                };
            }
            _findMentions.Parameters[0].Value = message.Id;
            await using (var reader = await _findMentions.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    message.Mentions.Add(new MessageMention
                    {
                        MessageId = message.Id, UserId = reader.GetString(0), RoomId = message.RoomId, Seq = message.Seq,
                        Start = reader.GetInt32(1), Length = reader.GetInt32(2),
                    });
                }
            }
            return message;
        }

        private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

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
            foreach (var command in _all) await command.DisposeAsync();
            await _db.DisposeAsync();
        }
    }
}
