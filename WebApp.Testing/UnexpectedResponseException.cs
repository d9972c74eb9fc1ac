using System.Net;

namespace WebApp.Testing;

/// <summary>
/// The site answered a step of a story (signing up, creating a room, minting a token) other than a browser expects.
/// Thrown instead of a test framework's assertion so the benchmark can use the same client; in a test it fails the
/// test just the same, with the status and the start of the body in the message.
/// </summary>
public sealed class UnexpectedResponseException(string message) : Exception(message)
{
    /// <summary>How much of the body the message keeps: enough for an error page's title or a validation message.</summary>
    private const int KeptBodyCharacters = 500;

    /// <summary>
    /// Throws unless <paramref name="response"/> has status <paramref name="expected"/>; the message names
    /// <paramref name="step"/>, the status received and the first 500 characters of the body.
    /// </summary>
    public static async Task ThrowUnlessAsync(HttpResponseMessage response, HttpStatusCode expected, string step)
    {
        if (response.StatusCode == expected) return;
        throw new UnexpectedResponseException(
            $"{step}: expected {(int)expected} {expected}, got {(int)response.StatusCode} {response.StatusCode} " +
            $"(Location: {response.Headers.Location?.OriginalString ?? "none"}). Body starts:\n{await BodyStartAsync(response)}");
    }

    /// <summary>An exception (for the caller to throw) with <paramref name="problem"/>, the status and the start of the body.</summary>
    public static async Task<UnexpectedResponseException> BecauseAsync(HttpResponseMessage response, string problem) =>
        new($"{problem} (status {(int)response.StatusCode} {response.StatusCode}). Body starts:\n{await BodyStartAsync(response)}");

    private static async Task<string> BodyStartAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return body.Length <= KeptBodyCharacters ? body : body[..KeptBodyCharacters] + "…";
    }
}
