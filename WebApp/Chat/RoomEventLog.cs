using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>
/// Reads a room's stored events back, in order: the postings (<see cref="ChatMessage"/> rows) and the later changes
/// (<see cref="MessageChange"/> rows) merged by their shared sequence number, each with the message as it stands now.
/// What catch-up, gap filling and the bus's recovery send.
/// </summary>
public sealed class RoomEventLog(IDbContextFactory<AppDbContext> dbFactory)
{
    /// <summary>The room's newest event number (0 before its first).</summary>
    public async Task<long> LastSeqAsync(int roomId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Rooms.Where(r => r.Id == roomId).Select(r => r.LastSeq).SingleAsync();
    }

    /// <summary>Events with numbers after <paramref name="afterSeq"/> up to <paramref name="upToSeq"/>, in order.</summary>
    public async Task<List<RoomEvent>> ReadAsync(int roomId, long afterSeq, long upToSeq)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var postings = await db.Messages.AsNoTracking().Include(m => m.Mentions)
            .Where(m => m.RoomId == roomId && m.Seq > afterSeq && m.Seq <= upToSeq)
            .ToListAsync();
        var changes = await db.MessageChanges.AsNoTracking()
            .Where(c => c.RoomId == roomId && c.Seq > afterSeq && c.Seq <= upToSeq)
            .Select(c => new { c.Seq, c.Kind, c.MessageId })
            .ToListAsync();

        // A change's message may be older than the range: read those too, once each.
        var messages = postings.ToDictionary(m => m.Id);
        var missing = changes.Select(c => c.MessageId).Where(id => !messages.ContainsKey(id)).Distinct().ToList();
        if (missing.Count > 0)
        {
            foreach (var message in await db.Messages.AsNoTracking().Include(m => m.Mentions).Where(m => missing.Contains(m.Id)).ToListAsync())
            {
                messages[message.Id] = message;
            }
        }

        return postings.Select(m => new RoomEvent(m.Seq, RoomEventKind.Posted, m))
            .Concat(changes.Select(c => new RoomEvent(c.Seq, c.Kind == MessageChangeKind.Deleted ? RoomEventKind.Deleted : RoomEventKind.Edited, messages[c.MessageId])))
            .OrderBy(e => e.Seq)
            .ToList();
    }
}
