using System.Text.Json;
using System.Text.Json.Serialization;

namespace WebApp.Chat;

/// <summary>
/// What a client may send: <c>{"text": "...", "clientId": "..."}</c> (type "message" is implied) or
/// <c>{"type": "refresh", "token": "..."}</c>. Anything else in the object (htmx adds "headers") is ignored,
/// and so is any claim about who is speaking: identity comes from the token alone.
/// </summary>
public sealed class ClientFrame
{
    public string? Type { get; set; }
    public string? Text { get; set; }
    public string? Token { get; set; }
    public string? ClientId { get; set; }

    public static ClientFrame? Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonSerializer.Deserialize(utf8, ClientFrameJson.Default.ClientFrame);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ClientFrame))]
internal sealed partial class ClientFrameJson : JsonSerializerContext;
