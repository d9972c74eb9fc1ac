using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Auth;

public sealed record UserSecurityState(bool Exists, string StampHash, DateTimeOffset? LockoutEnd, bool LockoutEnabled)
{
    public static readonly UserSecurityState Missing = new(false, "", null, false);

    public bool IsLockedOutAt(DateTimeOffset now) => LockoutEnabled && LockoutEnd > now;
}

/// <summary>
/// What a socket needs to know about its user (exists? locked out? which security stamp?), cached so an upgrade
/// costs at most one small query. <see cref="AppUserManager"/> forgets a user whenever Identity changes them;
/// the time limit only covers edits made behind Identity's back.
/// </summary>
public sealed class UserSecurityStates(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, (UserSecurityState State, DateTimeOffset LoadedAt)> _states = new();
    private long _generation;

    public async ValueTask<UserSecurityState> GetAsync(string userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_states.TryGetValue(userId, out var cached) && now - cached.LoadedAt < KeepFor) return cached.State;

        // A change that lands while we read must not be overwritten by what we read before it.
        var generation = Interlocked.Read(ref _generation);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var state = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new UserSecurityState(true, u.SecurityStamp ?? "", u.LockoutEnd, u.LockoutEnabled))
            .FirstOrDefaultAsync(cancellationToken) ?? UserSecurityState.Missing;
        state = state with { StampHash = state.Exists ? SocketTokens.StampHash(state.StampHash) : "" };
        if (Interlocked.Read(ref _generation) == generation) _states[userId] = (state, now);
        return state;
    }

    public void Forget(string userId)
    {
        Interlocked.Increment(ref _generation);
        _states.TryRemove(userId, out _);
    }
}
