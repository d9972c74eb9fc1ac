using System.Buffers.Binary;
using System.Security.Cryptography;

namespace WebApp.Testing;

/// <summary>
/// What an authenticator app shows: a TOTP code (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) for the shared key
/// that Identity UI's EnableAuthenticator page displays (base32, RFC 4648, grouped in fours, lower case).
/// </summary>
public static class AuthenticatorCodes
{
    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Now(string sharedKey) => At(sharedKey, DateTimeOffset.UtcNow);

    public static string At(string sharedKey, DateTimeOffset time)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, time.ToUnixTimeSeconds() / 30);
        var hash = HMACSHA1.HashData(FromBase32(sharedKey), counter);
        var offset = hash[^1] & 0x0f;
        var binary = BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset)) & 0x7fffffff;
        return (binary % 1_000_000).ToString("D6");
    }

    private static byte[] FromBase32(string sharedKey)
    {
        var symbols = sharedKey.Replace(" ", "").TrimEnd('=').ToUpperInvariant();
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var symbol in symbols)
        {
            buffer = (buffer << 5) | Base32Alphabet.IndexOf(symbol);
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }
        return [.. bytes];
    }
}
