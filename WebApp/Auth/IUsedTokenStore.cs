namespace WebApp.Auth;

/// <summary>
/// Where used socket token ids (<c>jti</c>, RFC 7519 §4.1.7) are remembered, so each token opens or refreshes one
/// socket once across every instance: <see cref="UsedTokenIds"/> in one process, Redis for several.
/// </summary>
public interface IUsedTokenStore
{
    /// <summary>True the first time a token id is used anywhere; false for a replay. Throws when the store is unreachable.</summary>
    Task<bool> TryUseAsync(SocketGrant grant);
}
