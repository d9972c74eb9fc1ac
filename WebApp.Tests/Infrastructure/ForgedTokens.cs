using System.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
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
        /// <summary>Defaults to the earlier of <see cref="NotBefore"/> and now.</summary>
        public DateTime? IssuedAt { get; init; }
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
            IssuedAt = changes.IssuedAt ?? (notBefore < now ? notBefore : now),
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

    /// <summary>
    /// A correctly signed token (test key, HS256, our kid and typ) with the real token's claims, a fresh jti and a
    /// 60-second life from now, after <paramref name="header"/> and <paramref name="payload"/> have edited the JSON as
    /// they like: values of any JSON type, members removed or added. <paramref name="rawPayload"/> then edits the
    /// serialized text, for what a JSON object cannot hold (a member twice).
    /// </summary>
    public static string Signed(string realToken, Action<JsonObject>? payload = null, Action<JsonObject>? header = null,
        Func<string, string>? rawPayload = null, Func<string, string>? rawHeader = null)
    {
        var real = new JsonWebToken(realToken);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var headerJson = new JsonObject { ["alg"] = "HS256", ["kid"] = "chat-socket-hs256", ["typ"] = "chat-socket+jwt" };
        var payloadJson = new JsonObject
        {
            ["iss"] = ChatServer.Issuer,
            ["aud"] = ChatServer.Audience,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + 60,
            ["sub"] = real.Subject,
            ["name"] = real.GetPayloadValue<string>("name"),
            ["room"] = real.GetPayloadValue<string>("room"),
            ["sid"] = real.GetPayloadValue<string>("sid"),
            ["sst"] = real.GetPayloadValue<string>("sst"),
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        header?.Invoke(headerJson);
        payload?.Invoke(payloadJson);
        var headerText = (rawHeader ?? (text => text))(headerJson.ToJsonString());
        var payloadText = (rawPayload ?? (text => text))(payloadJson.ToJsonString());
        var signingInput = Base64UrlEncoder.Encode(headerText) + "." + Base64UrlEncoder.Encode(payloadText);
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(ChatServer.SigningKey), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64UrlEncoder.Encode(signature);
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
