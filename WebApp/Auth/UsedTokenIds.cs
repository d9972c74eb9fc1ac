using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace WebApp.Auth;

/// <summary>
/// Remembers the <c>jti</c> of every socket token used, until the token could no longer validate anyway,
/// so each token opens or refreshes at most one socket.
/// </summary>
public sealed class UsedTokenIds(TimeProvider clock, IOptions<JwtOptions> options) : IUsedTokenStore
{
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, DateTime> _used = new();
    private readonly TimeSpan _skew = options.Value.ClockSkew;
    private long _nextPurgeTicks;

    public Task<bool> TryUseAsync(SocketGrant grant) => Task.FromResult(TryUse(grant));

    /// <summary>True the first time a token id is seen; false for a replay.</summary>
    public bool TryUse(SocketGrant grant)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        PurgeExpired(now);
        return _used.TryAdd(grant.TokenId, grant.ExpiresAt + _skew);
    }

    private void PurgeExpired(DateTime now)
    {
        var due = Interlocked.Read(ref _nextPurgeTicks);
        if (now.Ticks < due || Interlocked.CompareExchange(ref _nextPurgeTicks, (now + PurgeEvery).Ticks, due) != due) return;
        foreach (var (id, forgetAt) in _used)
        {
            if (forgetAt < now) _used.TryRemove(id, out _);
        }
    }
}
