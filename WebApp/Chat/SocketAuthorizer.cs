using WebApp.Auth;

namespace WebApp.Chat;

public readonly record struct SocketAdmission(SocketGrant? Grant, RoomInfo? Room, int Status, string Reason)
{
    public bool Admitted => Grant is not null;
}

/// <summary>
/// The one set of rules a socket token must pass, on upgrade and on every in-band refresh: a valid token
/// (signature, algorithm, type, key id, issuer, audience, lifetime), never used before, for a user who still
/// exists, is not locked out and has the same security stamp, for this room, which the user may enter.
/// </summary>
public sealed class SocketAuthorizer(
    SocketTokens tokens,
    IUsedTokenStore usedTokens,
    UserSecurityStates users,
    RoomDirectory rooms,
    TimeProvider clock)
{
    public async Task<SocketAdmission> AuthorizeAsync(string token, string slug, CancellationToken cancellationToken)
    {
        var check = await tokens.ValidateAsync(token);
        if (check.Grant is not { } grant) return Refused(StatusCodes.Status401Unauthorized, check.Failure!);

        var user = await users.GetAsync(grant.UserId, cancellationToken);
        if (!user.Exists) return Refused(StatusCodes.Status401Unauthorized, "user no longer exists");
        if (user.IsLockedOutAt(clock.GetUtcNow())) return Refused(StatusCodes.Status401Unauthorized, "account locked out");
        if (user.StampHash != grant.StampHash) return Refused(StatusCodes.Status401Unauthorized, "security stamp changed");

        var room = await rooms.FindAsync(slug, cancellationToken);
        if (room is null) return Refused(StatusCodes.Status404NotFound, "unknown room");
        if (!string.Equals(grant.Room, slug, StringComparison.Ordinal)) return Refused(StatusCodes.Status403Forbidden, "token is for another room");
        if (!await rooms.MayEnterAsync(room, grant.UserId, cancellationToken)) return Refused(StatusCodes.Status403Forbidden, "not a member of this private room");

        // Last, so a token refused for another reason is not burnt; atomic, so two racing uses admit one.
        bool firstUse;
        try
        {
            firstUse = await usedTokens.TryUseAsync(grant);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Shared by all instances (Redis): without it a replay on another instance could not be caught, so refuse.
            return Refused(StatusCodes.Status503ServiceUnavailable, $"token replay check unavailable ({e.GetType().Name})");
        }
        if (!firstUse) return Refused(StatusCodes.Status401Unauthorized, "token already used");
        return new SocketAdmission(grant, room, StatusCodes.Status200OK, "");
    }

    private static SocketAdmission Refused(int status, string reason) => new(null, null, status, reason);
}
