using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Pages;

/// <summary>What one person has not read in one room: messages, and among them the ones that name them.</summary>
/// <param name="Messages">
/// Messages posted after the person's <see cref="RoomRead.LastReadSeq"/> (every message when they never read the room),
/// not deleted and not their own.
/// </param>
/// <param name="Mentions">Those of <paramref name="Messages"/> with a <see cref="MessageMention"/> of the person.</param>
public readonly record struct UnreadCount(int Messages, int Mentions);

/// <summary>
/// The rooms list's unread and mention counts for one person, for every listed room in one query (the person's read
/// markers left-joined to the rooms, then one counting subquery per kind that walks the (RoomId, Seq) index from the
/// marker on), on SQLite and PostgreSQL alike.
/// </summary>
public static class RoomUnreadCounts
{
    /// <summary>
    /// Counts for each room of <paramref name="rooms"/> (the query the list shows, composed as a subquery) as seen by
    /// <paramref name="userId"/>, keyed by room id. Read markers are room event numbers (issue 13's contract): a message
    /// is unread when its posting number is above the person's marker, so edits and deletions after the marker never
    /// count twice; deleted messages and the person's own never count, and a mention counts only while its message is
    /// unread by that rule (mentioning yourself is not news either).
    /// </summary>
    public static async Task<IReadOnlyDictionary<int, UnreadCount>> ForAsync(AppDbContext db, string userId,
        IQueryable<Room> rooms, CancellationToken cancellationToken)
    {
        var reads = db.RoomReads.Where(read => read.UserId == userId);
        return await rooms
            // The marker joined once per room (a column, not a lookup per message); no marker yet: 0, so every message counts.
            .LeftJoin(reads, room => room.Id, read => read.RoomId,
                (room, read) => new { room.Id, LastRead = read == null ? 0L : read.LastReadSeq })
            .Select(room => new
            {
                room.Id,
                Messages = db.Messages.Count(message => message.RoomId == room.Id && message.Seq > room.LastRead
                    && message.DeletedAt == null && message.AuthorId != userId),
                Mentions = db.MessageMentions.Count(mention => mention.UserId == userId && mention.RoomId == room.Id
                    && mention.Seq > room.LastRead
                    && db.Messages.Any(message => message.Id == mention.MessageId && message.DeletedAt == null && message.AuthorId != userId)),
            })
            .AsNoTracking()
            .ToDictionaryAsync(room => room.Id, room => new UnreadCount(room.Messages, room.Mentions), cancellationToken);
    }
}
