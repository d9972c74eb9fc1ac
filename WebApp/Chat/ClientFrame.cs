using System.Text.Json;
using System.Text.Json.Serialization;

namespace WebApp.Chat;

/// <summary>
/// What a client may send, as one JSON object per text message:
/// <c>{"text": "...", "clientId": "..."}</c> (type "message" is implied),
/// <c>{"type": "edit", "id": 12, "text": "..."}</c>, <c>{"type": "delete", "id": 12}</c>,
/// <c>{"type": "typing"}</c>, <c>{"type": "read", "seq": 40}</c> or <c>{"type": "refresh", "token": "..."}</c>.
/// Anything else in the object (htmx adds "headers") is ignored, and so is any claim about who is speaking:
/// identity comes from the token alone.
/// </summary>
public sealed class ClientFrame
{
    public string? Type { get; set; }
    public string? Text { get; set; }
    public string? Token { get; set; }
    public string? ClientId { get; set; }

    /// <summary>A message id (the number in <c>id="m-{id}"</c>), for edit and delete.</summary>
    public long? Id { get; set; }

    /// <summary>A room event number, for read.</summary>
    public long? Seq { get; set; }

    /// <returns>The frame, or null when it is not a JSON object of this shape (e.g. an id that is not a whole number).</returns>
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
