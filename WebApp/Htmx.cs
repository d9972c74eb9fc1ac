namespace WebApp;

public static class Htmx
{
    public const string RequestHeader = "HX-Request";

    /// <summary>True for requests htmx made (they want a fragment or a status, never a whole page or a redirect).</summary>
    public static bool IsHtmx(this HttpRequest request) => request.Headers.ContainsKey(RequestHeader);
}
