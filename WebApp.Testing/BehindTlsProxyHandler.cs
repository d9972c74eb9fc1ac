using System.Net;

namespace WebApp.Testing;

/// <summary>
/// Makes a plain-HTTP client on loopback behave like a browser whose requests reach the site through a TLS-terminating
/// proxy: every request carries <c>X-Forwarded-Proto: https</c> (the site trusts it from loopback, see
/// <c>ForwardedHeaders</c>), and cookies are kept and sent as for the <c>https://</c> address, so the Secure-only
/// cookies a production site sets (RFC 6265 §5.4: sent only over a secure channel) travel as a browser would send them.
/// </summary>
/// <param name="cookies">The session's cookies, scoped to the site's https:// address.</param>
public sealed class BehindTlsProxyHandler(CookieContainer cookies) : DelegatingHandler(SiteClient.NewHandler())
{
    /// <summary>The header a TLS-terminating proxy adds (the de-facto standard ASP.NET Core's ForwardedHeaders reads).</summary>
    public const string ForwardedProto = "X-Forwarded-Proto";

    /// <summary>The address the browser believes it talks to: the same host and port with https.</summary>
    public static Uri AsSeenByTheBrowser(Uri address) => new UriBuilder(address) { Scheme = Uri.UriSchemeHttps, Port = address.Port }.Uri;

    /// <summary>The Origin a browser sends from a page of the site (RFC 6454), as the site sees itself behind the proxy.</summary>
    public static string OriginOf(Uri address) => $"https://{address.Authority}";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var browserUri = AsSeenByTheBrowser(request.RequestUri!);
        request.Headers.Remove(ForwardedProto);
        request.Headers.Add(ForwardedProto, "https");
        var cookieHeader = cookies.GetCookieHeader(browserUri);
        if (cookieHeader.Length > 0) request.Headers.Add("Cookie", cookieHeader);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var setCookie in setCookies) cookies.SetCookies(browserUri, setCookie);
        }
        return response;
    }
}
