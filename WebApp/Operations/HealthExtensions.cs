using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;
using WebApp.Data;

namespace WebApp.Operations;

/// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: it can also reach its database and, when used, Redis.</summary>
public static class HealthExtensions
{
    private const string Ready = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services, IConfiguration configuration)
    {
        var checks = services.AddHealthChecks().AddDbContextCheck<AppDbContext>("database", tags: [Ready]);
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString(ScaleOut.ScaleOutExtensions.RedisConnectionName)))
        {
            checks.AddCheck<RedisHealthCheck>("redis", tags: [Ready]);
        }
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains(Ready) });
        return endpoints;
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            // Known at once while the multiplexer is reconnecting; a ping then would wait for the command timeout.
            if (!redis.IsConnected) return HealthCheckResult.Unhealthy("Redis unreachable");
            try
            {
                var latency = await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:0.0} ms");
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("Redis unreachable", e);
            }
        }
    }
}
