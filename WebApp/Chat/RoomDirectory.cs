using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>What the socket endpoint needs to know about a room; rooms never change once created.</summary>
public sealed record RoomInfo(int Id, string Slug, string Name, bool IsPrivate, string OwnerId);

/// <summary>
/// Rooms by slug and private-room membership, cached so upgrades and refreshes rarely touch the database.
/// Whoever adds or removes a member calls <see cref="ForgetMembership"/>.
/// </summary>
public sealed class RoomDirectory(IDbContextFactory<AppDbContext> dbFactory)
{
    private readonly ConcurrentDictionary<string, RoomInfo> _rooms = new();
    private readonly ConcurrentDictionary<(int RoomId, string UserId), bool> _membership = new();
    private long _generation;

    public async ValueTask<RoomInfo?> FindAsync(string slug, CancellationToken cancellationToken)
    {
        if (_rooms.TryGetValue(slug, out var known)) return known;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var room = await db.Rooms.AsNoTracking()
            .Where(r => r.Slug == slug)
            .Select(r => new RoomInfo(r.Id, r.Slug, r.Name, r.IsPrivate, r.CreatedById))
            .FirstOrDefaultAsync(cancellationToken);
        // Unknown slugs are not cached: anyone can make up slugs, and a room may be created with one later.
        return room is null ? null : _rooms.GetOrAdd(slug, room);
    }

    public async ValueTask<bool> MayEnterAsync(RoomInfo room, string userId, CancellationToken cancellationToken)
    {
        if (!room.IsPrivate || room.OwnerId == userId) return true;
        if (_membership.TryGetValue((room.Id, userId), out var member)) return member;

        var generation = Interlocked.Read(ref _generation);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        member = await db.RoomMembers.AnyAsync(m => m.RoomId == room.Id && m.UserId == userId, cancellationToken);
        if (Interlocked.Read(ref _generation) == generation) _membership[(room.Id, userId)] = member;
        return member;
    }

    public void ForgetMembership(int roomId, string userId)
    {
        Interlocked.Increment(ref _generation);
        _membership.TryRemove((roomId, userId), out _);
    }
}
