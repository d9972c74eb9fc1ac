using Microsoft.AspNetCore.HttpLogging;
using WebApp.Chat;

namespace WebApp.Security;

/// <summary>
/// Request logs without secrets. ASP.NET Core's own per-request log line prints the whole query string, which
/// for socket upgrades on the query path holds the token, so it is silenced; HTTP logging takes its place, with
/// <c>access_token</c> values replaced before anything is written.
/// </summary>
public static class RequestLogging
{
    public const string HostingCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";
    public const string Redacted = "REDACTED";

    public static WebApplicationBuilder AddRequestLoggingWithoutTokens(this WebApplicationBuilder builder)
    {
        builder.Logging.AddFilter(HostingCategory, LogLevel.Warning);
        builder.Services.AddHttpLogging(options =>
        {
            options.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.RequestQuery
                | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            options.CombineLogs = true;
        });
        builder.Services.AddSingleton<IHttpLoggingInterceptor, TokenRedactingInterceptor>();
        return builder;
    }

    private sealed class TokenRedactingInterceptor : IHttpLoggingInterceptor
    {
        public ValueTask OnRequestAsync(HttpLoggingInterceptorContext logContext)
        {
            var query = logContext.HttpContext.Request.Query;
            if (query.ContainsKey(ChatSocketEndpoint.QueryTokenName))
            {
                logContext.TryDisable(HttpLoggingFields.RequestQuery);
                var safe = QueryString.Create(query.Select(pair => new KeyValuePair<string, string?>(
                    pair.Key, pair.Key == ChatSocketEndpoint.QueryTokenName ? Redacted : pair.Value.ToString())));
                logContext.AddParameter("QueryString", safe.Value);
            }
            return ValueTask.CompletedTask;
        }

        public ValueTask OnResponseAsync(HttpLoggingInterceptorContext logContext) => ValueTask.CompletedTask;
    }
}
