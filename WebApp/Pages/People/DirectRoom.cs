using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Pages.People;

/// <summary>
/// Direct messages: the private room of exactly two people, created the first time either asks and the same room
/// every time after. Its address is <c>/rooms/dm-{16 hex digits}</c>, a SHA-256 of the two user ids in ordinal
/// order, so both find it without a lookup table; a room counts as theirs only when it is private, one of them owns
/// it and the other is its only member, so a room someone else named to take that address is never used (the
/// direct room then gets the next free address, <c>dm-{hex}-2</c>).
/// </summary>
public static class DirectRoom
{
    /// <summary>The address every direct room of <paramref name="a"/> and <paramref name="b"/> starts with (order does not matter).</summary>
    public static string SlugOf(string a, string b)
    {
        var (first, second) = string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{first}\n{second}"));
        return "dm-" + Convert.ToHexStringLower(hash)[..16];
    }

    /// <summary>
    /// The slug of the direct room of <paramref name="me"/> and <paramref name="other"/>, created now (owned by
    /// <paramref name="me"/>, named after both) when there is none. Two people asking at once get one room: the
    /// loser of the unique-slug race reads the winner's.
    /// </summary>
    public static async Task<string> OpenAsync(AppDbContext db, TimeProvider clock, (string Id, string Name) me, (string Id, string Name) other,
        CancellationToken cancellationToken)
    {
        var baseSlug = SlugOf(me.Id, other.Id);
        for (var attempt = 0; ; attempt++)
        {
            var candidates = await db.Rooms.AsNoTracking()
                .Where(r => r.Slug == baseSlug || r.Slug.StartsWith(baseSlug + "-"))
                .Select(r => new { r.Slug, r.IsPrivate, r.CreatedById, Members = r.Members.Select(m => m.UserId).ToList() })
                .ToListAsync(cancellationToken);
            var theirs = candidates.FirstOrDefault(r => r.IsPrivate && r.Members.Count == 1
                && ((r.CreatedById == me.Id && r.Members[0] == other.Id) || (r.CreatedById == other.Id && r.Members[0] == me.Id)));
            if (theirs is not null) return theirs.Slug;

            var taken = candidates.Select(r => r.Slug).ToHashSet();
            var slug = Enumerable.Range(1, int.MaxValue).Select(n => n == 1 ? baseSlug : $"{baseSlug}-{n}").First(s => !taken.Contains(s));
            var name = Truncated($"{me.Name} and {other.Name}");
            var now = clock.GetUtcNow().UtcDateTime;
            var room = new Room
            {
                Slug = slug,
                Name = name,
                NormalizedName = UserText.Key(name + " " + slug),
                IsPrivate = true,
                CreatedById = me.Id,
                CreatedAt = now,
            };
            room.Members.Add(new RoomMember { UserId = other.Id, AddedAt = now });
            db.Rooms.Add(room);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return slug;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Someone created it (or took the address) a moment ago: look again.
                db.ChangeTracker.Clear();
            }
        }
    }

    private static string Truncated(string name)
    {
        if (name.Length <= Room.NameMaxLength) return name;
        var cut = Room.NameMaxLength - 1;
        if (char.IsHighSurrogate(name[cut - 1])) cut--; // never half a character
        return name[..cut].TrimEnd() + "…";
    }
}
