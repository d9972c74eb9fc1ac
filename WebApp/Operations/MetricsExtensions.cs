using System.Net;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using WebApp.Chat;

namespace WebApp.Operations;

/// <summary>
/// Metrics through OpenTelemetry: the chat's meter (<c>WebApp.Chat</c>) and ASP.NET Core's own (HTTP requests,
/// Kestrel connections, routing, errors, Identity, authentication and authorization). <c>Metrics:Enabled=true</c>
/// serves them at <c>/metrics</c> in the Prometheus text format to clients in <c>Metrics:AllowedNetworks</c>;
/// the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (configuration or environment) also pushes them over OTLP.
/// </summary>
public static class MetricsExtensions
{
    public const string Path = "/metrics";
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>ASP.NET Core 10's meters beyond those <c>AddAspNetCoreInstrumentation</c> already adds (hosting, Kestrel, routing, diagnostics, rate limiting).</summary>
    private static readonly string[] MoreAspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Identity",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "Microsoft.AspNetCore.MemoryPool",
    ];

    public static WebApplicationBuilder AddMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>()
            .BindConfiguration(MetricsOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var prometheus = builder.Configuration.GetValue<bool>($"{MetricsOptions.Section}:{nameof(MetricsOptions.Enabled)}");
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]);
        // Without a reader nothing listens, and the instruments cost next to nothing.
        if (!prometheus && !otlp) return builder;

        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(ChatMetrics.MeterName).AddAspNetCoreInstrumentation().AddMeter(MoreAspNetCoreMeters);
            if (prometheus) metrics.AddPrometheusExporter();
            // Reads the endpoint, protocol and headers from the standard OTEL_EXPORTER_OTLP_* settings itself.
            if (otlp) metrics.AddOtlpExporter();
        });
        return builder;
    }

    /// <summary>
    /// Maps <c>/metrics</c> when enabled, outside authentication (a scraper has no account). A client whose address,
    /// after forwarded headers, is outside <c>Metrics:AllowedNetworks</c> gets 404 as if nothing were there.
    /// </summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled) return endpoints;

        var networks = options.ParseNetworks();
        var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MetricsExtensions));
        endpoints.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: scrape => scrape.Use((context, next) =>
        {
            var client = context.Connection.RemoteIpAddress;
            if (IsIn(networks, client)) return next(context);
            logger.LogWarning("Metrics scrape from {Client} refused with 404: not in {Setting}", client,
                $"{MetricsOptions.Section}:{nameof(MetricsOptions.AllowedNetworks)}");
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }), optionsName: null);
        return endpoints;
    }

    /// <summary>IPv4 mapped into IPv6 (a dual-stack socket's view of an IPv4 client) counts as IPv4.</summary>
    private static bool IsIn(IReadOnlyList<IPNetwork> networks, IPAddress? address)
    {
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return networks.Any(network => network.Contains(address));
    }
}
