using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WebApp.Tests.Infrastructure;

/// <summary>Socket tokens made outside the site, as an attacker (or a clock problem) would produce them.</summary>
public static class ForgedTokens
{
    public static string Create(
        string room,
        string userId = "someone",
        string signingKey = ChatServer.SigningKey,
        string issuer = ChatServer.Issuer,
        string audience = ChatServer.Audience,
        DateTime? notBefore = null,
        DateTime? expires = null,
        string type = "chat-socket+jwt",
        string? keyId = "chat-socket-hs256",
        string stampHash = "not-the-real-stamp")
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = type,
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore ?? now,
            NotBefore = notBefore ?? now,
            Expires = expires ?? now.AddMinutes(1),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)) { KeyId = keyId }, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = userId,
                ["name"] = "forger",
                ["room"] = room,
                ["sid"] = "forged-session",
                ["sst"] = stampHash,
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        });
    }
}
