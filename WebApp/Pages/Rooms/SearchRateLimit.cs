using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace WebApp.Pages.Rooms;

/// <summary>
/// How often one person may search (<c>Search:RateLimit</c>): a full-text query costs the database far more than a
/// page view, so a script looping over the search page could slow every room down. A token bucket per signed-in
/// user (ASP.NET Core rate limiting): <see cref="Burst"/> searches at once, refilled at <see cref="PerMinute"/>.
/// </summary>
public sealed class SearchRateLimitOptions
{
    public const string Section = "Search:RateLimit";

    /// <summary>Searches refilled per minute.</summary>
    [Range(1, 10_000)]
    public int PerMinute { get; set; } = 30;

    /// <summary>Searches one person may make in a row before the refill rate applies.</summary>
    [Range(1, 10_000)]
    public int Burst { get; set; } = 10;
}

/// <summary>Registers and names the search page's rate limit.</summary>
public static class SearchRateLimit
{
    /// <summary>The policy name the search page asks for with <c>[EnableRateLimiting]</c>.</summary>
    public const string Policy = "search";

    /// <summary>
    /// Over the limit, a search is answered 429 Too Many Requests (RFC 6585 §4) with <c>Retry-After</c> in seconds
    /// (RFC 9110 §10.2.3) and the status page's explanation, and logged with the user id (never the query).
    /// </summary>
    public static IServiceCollection AddSearchRateLimit(this IServiceCollection services)
    {
        services.AddOptions<SearchRateLimitOptions>().BindConfiguration(SearchRateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<SearchRateLimitOptions>>().Value;
                // The page requires sign-in; an anonymous request never reaches it, so its partition is only a fallback.
                var who = context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "anonymous:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(who, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Burst,
                    TokensPerPeriod = 1,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1.0 / limits.PerMinute),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = (rejected, _) =>
            {
                var http = rejected.HttpContext;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SearchRateLimit))
                    .LogWarning("Search refused with 429 for user {UserId}: over the search rate limit; retry after {Seconds} s",
                        http.User.FindFirstValue(ClaimTypes.NameIdentifier), seconds);
                return ValueTask.CompletedTask;
            };
        });
        return services;
    }
}
