using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WebApp.Auth;

/// <summary>Who a validated socket token speaks for, from which browser session, and until when.</summary>
public sealed record SocketGrant(
    string UserId, string DisplayName, string Room, string SessionId, string StampHash, string TokenId, DateTime ExpiresAt);

public readonly record struct SocketTokenCheck(SocketGrant? Grant, string? Failure);

/// <summary>
/// Mints and validates the short-lived, single-room JWTs that open chat sockets.
/// The token format lives here and nowhere else.
/// </summary>
public sealed class SocketTokens
{
    /// <summary>The JWT <c>typ</c> header: no other JWT the site might issue passes as a socket token.</summary>
    public const string TokenType = "chat-socket+jwt";
    public const string RoomClaim = "room";
    public const string SessionClaim = "sid";
    public const string StampClaim = "sst";

    /// <summary>The only key id accepted: a token naming any other key is refused, not tried against ours.</summary>
    public const string KeyId = "chat-socket-hs256";

    private readonly JwtOptions _options;
    private readonly TimeProvider _clock;
    private readonly SigningCredentials _credentials;
    private readonly TokenValidationParameters _validation;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false, SetDefaultTimesOnTokenCreation = false };

    public SocketTokens(IOptions<JwtOptions> options, TimeProvider clock, ILogger<SocketTokens> logger)
    {
        _options = options.Value;
        _clock = clock;

        byte[] keyBytes;
        if (string.IsNullOrEmpty(_options.SigningKey))
        {
            keyBytes = RandomNumberGenerator.GetBytes(32);
            logger.LogWarning(
                "Jwt:SigningKey is not set; using a random key for this process. Socket tokens will not survive a restart " +
                "or work across instances. Set Jwt:SigningKey (32+ bytes) in production.");
        }
        else
        {
            keyBytes = Encoding.UTF8.GetBytes(_options.SigningKey);
        }

        var key = new SymmetricSecurityKey(keyBytes) { KeyId = KeyId };
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        _validation = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidTypes = [TokenType],
            ClockSkew = _options.ClockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            TryAllIssuerSigningKeys = false,
        };
    }

    public (string Token, DateTime ExpiresAt) Issue(string userId, string displayName, string room, string sessionId, string securityStamp)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var expires = now + _options.SocketTokenLifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = TokenType,
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            SigningCredentials = _credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = userId,
                [JwtRegisteredClaimNames.Name] = displayName,
                [RoomClaim] = room,
                [SessionClaim] = sessionId,
                [StampClaim] = StampHash(securityStamp),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        });
        return (token, expires);
    }

    /// <summary>Checks signature, algorithm, key id, type, issuer, audience and lifetime; the reason on failure is safe to log.</summary>
    public async Task<SocketTokenCheck> ValidateAsync(string token)
    {
        JsonWebToken parsed;
        try
        {
            parsed = _handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return new SocketTokenCheck(null, "malformed token");
        }
        // Pinned before anything else looks at the token: no "none", no other HMAC, no RSA/HMAC confusion.
        if (parsed.Alg != SecurityAlgorithms.HmacSha256) return new SocketTokenCheck(null, "algorithm not allowed");

        var result = await _handler.ValidateTokenAsync(parsed, _validation);
        if (!result.IsValid)
        {
            return new SocketTokenCheck(null, Describe(result.Exception));
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (!jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var sub) || string.IsNullOrEmpty(sub)
            || !jwt.TryGetPayloadValue<string>(RoomClaim, out var room) || string.IsNullOrEmpty(room)
            || !jwt.TryGetPayloadValue<string>(StampClaim, out var stamp) || string.IsNullOrEmpty(stamp)
            || !jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Jti, out var jti) || string.IsNullOrEmpty(jti))
        {
            return new SocketTokenCheck(null, "token lacks sub, room, sst or jti");
        }
        jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Name, out var name);
        jwt.TryGetPayloadValue<string>(SessionClaim, out var session);
        return new SocketTokenCheck(new SocketGrant(sub, name ?? "someone", room, session ?? "", stamp, jti, jwt.ValidTo), null);
    }

    /// <summary>
    /// What a token carries instead of the Identity security stamp: enough to notice that the stamp changed,
    /// useless for anything else.
    /// </summary>
    public static string StampHash(string? securityStamp) =>
        Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(securityStamp ?? ""))[..16]);

    private static string Describe(Exception? error) => error switch
    {
        SecurityTokenExpiredException => "token expired",
        SecurityTokenNotYetValidException => "token not yet valid",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenInvalidTypeException => "wrong token type",
        SecurityTokenInvalidAlgorithmException => "algorithm not allowed",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "bad signature",
        SecurityTokenNoExpirationException => "token has no expiry",
        SecurityTokenMalformedException or ArgumentException => "malformed token",
        null => "invalid token",
        _ => "invalid token (" + error.GetType().Name + ")",
    };
}
