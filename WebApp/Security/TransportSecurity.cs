using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using IPNetwork = System.Net.IPNetwork;
using Microsoft.Extensions.Options;

namespace WebApp.Security;

/// <summary>
/// Which reverse proxies may say, with <c>X-Forwarded-Proto</c> and <c>X-Forwarded-For</c>, that a request arrived
/// over HTTPS and from whom. Bound to the configuration section <c>ForwardedHeaders</c>; both lists empty means
/// loopback only (ASP.NET Core's default: <c>127.0.0.0/8</c> and <c>::1</c>). Any entry replaces that default.
/// </summary>
public sealed class TrustedProxyOptions : IValidatableObject
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Single proxy addresses, e.g. <c>10.0.0.5</c> or <c>fd00::5</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation (<see cref="CidrNotation"/>), e.g. <c>172.18.0.0/16</c>; bound to .NET 10's <c>KnownIPNetworks</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < KnownProxies.Length; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i], out _))
            {
                yield return new($"{Section}:KnownProxies:{i} ('{KnownProxies[i]}') is not an IP address.", [nameof(KnownProxies)]);
            }
        }
        for (var i = 0; i < KnownNetworks.Length; i++)
        {
            if (!CidrNotation.IsExactNetwork(KnownNetworks[i]))
            {
                yield return new($"{Section}:KnownNetworks:{i} ('{KnownNetworks[i]}') is not a network in CIDR notation with no bits set past its prefix, such as 10.0.0.0/8.", [nameof(KnownNetworks)]);
            }
        }
    }
}

/// <summary>
/// HTTPS the ASP.NET Core way, in one place: forwarded headers from trusted proxies, then (outside Development)
/// HSTS, a redirect of plain HTTP to the HTTPS port, and, where the site has no HTTPS port to redirect to, a
/// <c>400</c> page saying it must be reached over HTTPS. Without that refusal the Secure-only antiforgery and
/// Identity cookies make every form page throw over plain HTTP. Health and metrics endpoints stay reachable over
/// plain HTTP for probes and scrapers on the host's network.
/// </summary>
public static class TransportSecurity
{
    /// <summary>Paths answered over plain HTTP even in production (probes and scrapers).</summary>
    public static readonly string[] PlainHttpPaths = ["/healthz", "/readyz", "/metrics"];

    /// <summary>What the refusal says; also logged once at start-up when it applies.</summary>
    public const string HttpsRequired = "This site must be reached over HTTPS.";

    private const string HttpsRequiredPage =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>HTTPS required</title></head>" +
        "<body><h1>HTTPS required</h1><p>" + HttpsRequired + " Use an https:// address.</p></body></html>";

    public static WebApplicationBuilder AddTransportSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrustedProxyOptions>()
            .BindConfiguration(TrustedProxyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, trusted) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            var proxies = trusted.Value;
            if (proxies.KnownProxies.Length + proxies.KnownNetworks.Length == 0) return;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in proxies.KnownProxies) forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            foreach (var network in proxies.KnownNetworks) forwarded.KnownIPNetworks.Add(IPNetwork.Parse(network));
        });
        // Every cookie the site or the framework sets (Identity, antiforgery, TempData, their deletions) is Secure
        // outside Development, where `dotnet run` serves plain http://localhost.
        builder.Services.Configure<CookiePolicyOptions>(cookies => cookies.Secure =
            builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always);
        return builder;
    }

    /// <summary>
    /// Call first in the pipeline. In Development plain HTTP is allowed (<c>dotnet run</c> serves
    /// http://localhost:5100); elsewhere see the type's summary.
    /// </summary>
    public static WebApplication UseTransportSecurity(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseCookiePolicy();
        if (app.Environment.IsDevelopment()) return app;

        app.UseExceptionHandler("/Error");
        app.UseHsts();
        app.Lifetime.ApplicationStarted.Register(() => LogWhenPlainHttpIsRefused(app));
        app.UseWhen(context => !context.Request.IsHttps && !IsPlainHttpPath(context.Request.Path), plain =>
        {
            // Redirects when it knows the HTTPS port (an HTTPS endpoint, HTTPS_PORT or HttpsRedirectionOptions);
            // otherwise it passes the request on, and it is refused below.
            plain.UseHttpsRedirection();
            plain.Run(async context =>
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync(HttpsRequiredPage, context.RequestAborted);
            });
        });
        return app;
    }

    private static bool IsPlainHttpPath(PathString path) =>
        PlainHttpPaths.Any(exempt => path.Equals(exempt, StringComparison.OrdinalIgnoreCase));

    private static void LogWhenPlainHttpIsRefused(WebApplication app)
    {
        if (HttpsPort(app) is not null) return;
        app.Logger.LogWarning(
            "No HTTPS endpoint or HTTPS port is configured. {HttpsRequired} Requests over plain HTTP get 400 unless a trusted proxy " +
            "({Section}:KnownProxies, {Section}:KnownNetworks; loopback by default) sends X-Forwarded-Proto: https.",
            HttpsRequired, TrustedProxyOptions.Section, TrustedProxyOptions.Section);
    }

    /// <summary>The port HTTPS redirection would use, looked up in the same places as its middleware.</summary>
    private static int? HttpsPort(WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<HttpsRedirectionOptions>>().Value.HttpsPort is { } configured) return configured;
        foreach (var key in new[] { "HTTPS_PORT", "ANCM_HTTPS_PORT" })
        {
            if (app.Configuration.GetValue<int?>(key) is { } port) return port;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var https = addresses.Select(address => BindingAddress.Parse(address))
            .Where(binding => binding.Scheme == Uri.UriSchemeHttps)
            .Select(binding => binding.Port)
            .Distinct()
            .ToList();
        return https.Count == 1 ? https[0] : null;
    }
}
