using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WebApp.Auth;

namespace WebApp.ScaleOut;

/// <summary>
/// Used token ids as Redis keys set only if absent (<c>SET NX</c>), expiring when the token could no longer
/// validate anyway: one use per token across every instance.
/// </summary>
public sealed class RedisUsedTokenStore(RedisSite site, IOptions<JwtOptions> jwt, TimeProvider clock) : IUsedTokenStore
{
    public async Task<bool> TryUseAsync(SocketGrant grant)
    {
        // Refused at once (503 upstream) rather than after the command timeout: a replay could not be detected.
        if (!site.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "Redis is unreachable", null, CommandStatus.Unknown);
        }
        var keep = grant.ExpiresAt + jwt.Value.ClockSkew - clock.GetUtcNow().UtcDateTime;
        if (keep <= TimeSpan.Zero) return false;
        return await site.Database.StringSetAsync($"chat:jti:{grant.TokenId}", 1, keep, When.NotExists);
    }
}
