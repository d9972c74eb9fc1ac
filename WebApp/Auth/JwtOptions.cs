using System.ComponentModel.DataAnnotations;
using System.Text;

namespace WebApp.Auth;

public sealed class JwtOptions : IValidatableObject
{
    public const string Section = "Jwt";

    /// <summary>HS256 key, at least 32 bytes of UTF-8. Empty: a random key per process (tokens die with it).</summary>
    public string? SigningKey { get; set; }

    [Required] public string Issuer { get; set; } = "webapp";
    [Required] public string Audience { get; set; } = "webapp-chat-socket";

    /// <summary>
    /// How long an issued socket token lives; also the longest life a presented token may claim (<c>exp − iat</c> and
    /// <c>exp − now</c>, each plus <see cref="ClockSkew"/>), so a forged or foreign long-lived token is refused.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SocketTokenLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How far apart the server's and the token's clocks may be (for <c>exp</c>, <c>nbf</c>, <c>iat</c> and the lifetime
    /// checks); the library's 5 minutes is far too lax here.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(SigningKey) && Encoding.UTF8.GetByteCount(SigningKey) < 32)
        {
            yield return new ValidationResult(
                "Jwt:SigningKey must be at least 32 bytes (256 bits) for HS256; leave it empty to use a random per-process key.",
                [nameof(SigningKey)]);
        }
    }
}
