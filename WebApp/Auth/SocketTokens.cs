using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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

    /// <summary>
    /// Checks, in order: the shape a strict reader demands (<see cref="ReadStrictly"/>); the algorithm (HS256 only);
    /// signature, key id, type, issuer, audience, <c>exp</c> and <c>nbf</c> (with <see cref="JwtOptions.ClockSkew"/>); then
    /// the lifetime the token claims (<see cref="LifetimeProblem"/>). The reason on failure is safe to log: it never
    /// quotes the token.
    /// </summary>
    public async Task<SocketTokenCheck> ValidateAsync(string token)
    {
        // First, on the raw text: the library reads "exp": "123" as a date, and may fail in its own ways on values
        // only this check refuses; none of them may reach the socket's deadline arithmetic.
        var shape = ReadStrictly(token);
        if (shape.Problem is not null) return new SocketTokenCheck(null, shape.Problem);

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

        if (LifetimeProblem(shape.Times) is { } lifetimeProblem) return new SocketTokenCheck(null, lifetimeProblem);

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
        var expiresAt = DateTime.UnixEpoch.AddSeconds(shape.Times.Expires);
        return new SocketTokenCheck(new SocketGrant(sub, name ?? "someone", room, session ?? "", stamp, jti, expiresAt), null);
    }

    /// <summary>The token's NumericDates, in seconds since 1970-01-01T00:00:00Z (RFC 7519 §2), fractions kept.</summary>
    private readonly record struct TokenTimes(double IssuedAt, double NotBefore, double Expires);

    /// <summary>The last NumericDate accepted: 9999-12-31T23:59:59Z, the last second a <see cref="DateTime"/> holds.</summary>
    private const double MaxNumericDate = 253_402_300_799;

    private static readonly string[] TimeClaims = [JwtRegisteredClaimNames.Iat, JwtRegisteredClaimNames.Nbf, JwtRegisteredClaimNames.Exp];
    private static readonly string[] StringClaims =
        [JwtRegisteredClaimNames.Sub, RoomClaim, StampClaim, JwtRegisteredClaimNames.Jti, JwtRegisteredClaimNames.Name, SessionClaim];

    /// <summary>
    /// What a strict reader refuses, whatever the library would make of it:
    /// <list type="bullet">
    /// <item>anything but three base64url parts whose first two are JSON objects;</item>
    /// <item>a <c>crit</c> header in any form, even empty: we understand no extension (RFC 7515 §4.1.11);</item>
    /// <item>a member name twice in the header or the payload (RFC 7519 §4 lets a parser refuse; which copy a reader takes is how
    /// a check and a use disagree);</item>
    /// <item><c>exp</c>, <c>nbf</c> or <c>iat</c> missing, or not a JSON number (RFC 7519 §2 NumericDate: integer or decimal;
    /// not a string, boolean, null, array or object), or outside 0 … 9999-12-31T23:59:59Z;</item>
    /// <item><c>sub</c>, <c>room</c>, <c>sst</c>, <c>jti</c>, <c>name</c> or <c>sid</c> present but not a JSON string.</item>
    /// </list>
    /// </summary>
    private static (string? Problem, TokenTimes Times) ReadStrictly(string token)
    {
        // A compact JWS has three parts (RFC 7515 §7.1); five would be an encrypted token, which we never issue.
        var parts = token.Split('.');
        if (parts.Length != 3) return ("malformed token", default);
        try
        {
            using var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[0]));
            using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[1]));
            if (header.RootElement.ValueKind != JsonValueKind.Object || payload.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ("malformed token", default);
            }
            if (DuplicateName(header.RootElement) is { } headerDuplicate) return ($"header member {headerDuplicate} appears twice", default);
            if (DuplicateName(payload.RootElement) is { } claimDuplicate) return ($"claim {claimDuplicate} appears twice", default);
            if (header.RootElement.TryGetProperty("crit", out _)) return ("crit header not accepted (no extension is understood)", default);

            var times = new double[TimeClaims.Length];
            for (var i = 0; i < TimeClaims.Length; i++)
            {
                if (!payload.RootElement.TryGetProperty(TimeClaims[i], out var value)) return ($"token lacks {TimeClaims[i]}", default);
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out times[i])
                    || !double.IsFinite(times[i]) || times[i] < 0 || times[i] > MaxNumericDate)
                {
                    return ($"{TimeClaims[i]} is not a NumericDate (a JSON number, 0 to year 9999)", default);
                }
            }
            foreach (var claim in StringClaims)
            {
                if (payload.RootElement.TryGetProperty(claim, out var value) && value.ValueKind != JsonValueKind.String)
                {
                    return ($"{claim} is not a string", default);
                }
            }
            return (null, new TokenTimes(times[0], times[1], times[2]));
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return ("malformed token", default);
        }
    }

    private static string? DuplicateName(JsonElement json)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in json.EnumerateObject())
        {
            if (!seen.Add(member.Name)) return member.Name;
        }
        return null;
    }

    /// <summary>
    /// A token may claim no more than this site issues: issued no later than now, living no longer than
    /// <see cref="JwtOptions.SocketTokenLifetime"/>, expiring no further ahead than that (each with
    /// <see cref="JwtOptions.ClockSkew"/> of slack). Expiry in the past and <c>nbf</c> in the future are the library's checks.
    /// </summary>
    private string? LifetimeProblem(TokenTimes times)
    {
        var now = (_clock.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalSeconds;
        var skew = _options.ClockSkew.TotalSeconds;
        var longest = _options.SocketTokenLifetime.TotalSeconds + skew;
        if (times.IssuedAt > now + skew) return "iat is in the future";
        if (times.Expires < times.IssuedAt) return "exp is before iat";
        if (times.Expires - times.IssuedAt > longest) return $"token lifetime (exp - iat) over {_options.SocketTokenLifetime.TotalSeconds:0.###} s";
        if (times.Expires - now > longest) return $"exp more than {_options.SocketTokenLifetime.TotalSeconds:0.###} s ahead";
        return null;
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
