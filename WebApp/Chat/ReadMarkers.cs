using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>
/// How far each person has read each room (<see cref="RoomRead"/>): pages report the highest event number they have
/// shown (<c>{"type":"read","seq":N}</c>), this keeps the highest per person and room in memory and writes them every
/// <see cref="ChatOptions.ReadMarkerFlushInterval"/>, one upsert each that never moves a marker back, so a burst of
/// reports from many tabs costs one write per person and room. On stop, what is pending is written.
/// </summary>
public sealed class ReadMarkers(
    IDbContextFactory<AppDbContext> dbFactory, IOptions<ChatOptions> options, TimeProvider clock, ILogger<ReadMarkers> logger)
    : BackgroundService
{
    private ConcurrentDictionary<(string UserId, int RoomId), long> _pending = new();

    /// <summary>Records that <paramref name="userId"/> has shown room <paramref name="roomId"/> up to event <paramref name="seq"/> (already clamped to what the room has).</summary>
    public void Report(string userId, int roomId, long seq)
    {
        if (seq <= 0) return;
        _pending.AddOrUpdate((userId, roomId), seq, (_, known) => Math.Max(known, seq));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReadMarkerFlushInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync();
    }

    /// <summary>Writes every pending marker; one that cannot be written (its person or room was deleted) is logged and dropped.</summary>
    public async Task FlushAsync()
    {
        if (_pending.IsEmpty) return;
        var batch = Interlocked.Exchange(ref _pending, new());
        await using var db = await dbFactory.CreateDbContextAsync();
        foreach (var ((userId, roomId), seq) in batch)
        {
            try
            {
                // ON CONFLICT … excluded: SQLite 3.24+ and PostgreSQL 9.5+ both; the marker only ever moves forward.
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO "RoomReads" ("UserId", "RoomId", "LastReadSeq") VALUES ({userId}, {roomId}, {seq})
                    ON CONFLICT ("UserId", "RoomId") DO UPDATE SET "LastReadSeq" =
                        CASE WHEN excluded."LastReadSeq" > "RoomReads"."LastReadSeq" THEN excluded."LastReadSeq" ELSE "RoomReads"."LastReadSeq" END
                    """);
            }
            catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException)
            {
                logger.LogWarning(e, "Read marker of user {UserId} in room {RoomId} not written", userId, roomId);
            }
        }
    }
}
