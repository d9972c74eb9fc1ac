using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// Socket tokens made outside the site, as an attacker (or a clock problem) would produce them. They start from a
/// real token's claims, so only the one thing a test changes is wrong and every other check would pass.
/// </summary>
public static class ForgedTokens
{
    public sealed record Changes
    {
        public string SigningKey { get; init; } = ChatServer.SigningKey;
        public string Algorithm { get; init; } = SecurityAlgorithms.HmacSha256;
        public string? KeyId { get; init; } = "chat-socket-hs256";
        public string Type { get; init; } = "chat-socket+jwt";
        public string Issuer { get; init; } = ChatServer.Issuer;
        public string Audience { get; init; } = ChatServer.Audience;
        public DateTime? NotBefore { get; init; }
        public DateTime? Expires { get; init; }
        public string? Room { get; init; }
    }

    public static string From(string realToken, Changes changes)
    {
        var real = new JsonWebToken(realToken);
        var now = DateTime.UtcNow;
        var notBefore = changes.NotBefore ?? now;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = changes.Type,
            Issuer = changes.Issuer,
            Audience = changes.Audience,
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = changes.Expires ?? now.AddMinutes(1),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(changes.SigningKey)) { KeyId = changes.KeyId }, changes.Algorithm),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = real.Subject,
                ["name"] = real.GetPayloadValue<string>("name"),
                ["room"] = changes.Room ?? real.GetPayloadValue<string>("room"),
                ["sid"] = real.GetPayloadValue<string>("sid"),
                ["sst"] = real.GetPayloadValue<string>("sst"),
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        });
    }

    /// <summary>The real token's claims with <c>alg: none</c> and no signature.</summary>
    public static string Unsigned(string realToken)
    {
        var real = new JsonWebToken(realToken);
        var header = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new { alg = "none", typ = "chat-socket+jwt" }));
        var payload = Base64UrlEncoder.Encode(Base64UrlEncoder.DecodeBytes(real.EncodedPayload));
        return $"{header}.{payload}.";
    }
}
