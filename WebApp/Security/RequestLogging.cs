using System.Text.RegularExpressions;
using Microsoft.AspNetCore.HttpLogging;
using WebApp.Chat;

namespace WebApp.Security;

/// <summary>
/// Request logs without credentials, at every level. ASP.NET Core's own per-request log line prints the whole query
/// string, which for socket upgrades on the query path holds the token, so it is silenced; HTTP logging takes its
/// place. It writes method, path, query, status and duration only: never headers (Cookie, Sec-WebSocket-Protocol with
/// its <c>bearer.&lt;jwt&gt;</c>, RequestVerificationToken) nor bodies (passwords, <c>__RequestVerificationToken</c>).
/// In the query, credential values are replaced by <see cref="Redacted"/> before anything is written: the socket token
/// under every spelling the socket endpoint accepts (<see cref="ChatSocketEndpoint.IsTokenParameter"/>: any letter
/// case, percent-encoded, repeated), Identity's emailed <c>code</c> (email confirmation, password reset), and anything
/// shaped like a JWT whatever its name. In the path, every segment shaped like a JWT (a token pasted as a room slug or
/// as any other segment, percent-encoded or not: the path is checked decoded) is replaced the same way, and the other
/// segments stay readable. Framework categories that would quote a credential at some level are held
/// above that level: hosting's request line, Kestrel's quote of a malformed request, MVC's handler arguments, routing's
/// quote of the path.
/// </summary>
public static partial class RequestLogging
{
    public const string HostingCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// Kestrel's log of a malformed request quotes the request line (with the query, so possibly a token) whenever its
    /// own category is enabled at Information or below.
    /// </summary>
    public const string KestrelBadRequestsCategory = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";

    /// <summary>
    /// MVC's invokers log every page handler's and action's arguments at Trace ("Executing handler method … with
    /// arguments"), which for Identity UI's ResetPassword and ConfirmEmail are the emailed codes.
    /// </summary>
    public static readonly string[] ArgumentLoggingCategories =
    [
        "Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure.PageActionInvoker",
        "Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker",
    ];

    /// <summary>
    /// Routing's matcher quotes the decoded request path at Debug ("candidate(s) found for the request path …"), so a
    /// token sent as a path segment would reach the log whole.
    /// </summary>
    public const string RouteMatcherCategory = "Microsoft.AspNetCore.Routing.Matching.DfaMatcher";

    public const string Redacted = "REDACTED";

    /// <summary>The query parameter of Identity UI's emailed links (ConfirmEmail, ResetPassword): a one-time credential.</summary>
    public const string IdentityCodeName = "code";

    /// <summary>
    /// Sets <paramref name="category"/>'s minimum level to the higher of <paramref name="floor"/> and what the
    /// configuration gives it (the longest <c>Logging:LogLevel</c> key the category starts with, as the logging
    /// framework matches rules, else <c>Default</c>, else Information).
    /// </summary>
    private static void HoldAtLeast(WebApplicationBuilder builder, string category, LogLevel floor)
    {
        var levels = builder.Configuration.GetSection("Logging:LogLevel");
        var key = levels.GetChildren().Select(child => child.Key)
            .Where(name => name != "Default" && category.StartsWith(name, StringComparison.OrdinalIgnoreCase))
            .MaxBy(name => name.Length) ?? "Default";
        var configured = Enum.TryParse<LogLevel>(levels[key], ignoreCase: true, out var level) ? level : LogLevel.Information;
        builder.Logging.AddFilter(category, configured > floor ? configured : floor);
    }

    public static WebApplicationBuilder AddRequestLoggingWithoutTokens(this WebApplicationBuilder builder)
    {
        // Floors, not levels: a category is never logged below its floor, whatever an operator configures ("Trace
        // everything"), and never more than the configuration asks for either.
        HoldAtLeast(builder, HostingCategory, LogLevel.Warning);
        // Kestrel still answers a malformed request with 400; only its quote of the request line goes unlogged.
        HoldAtLeast(builder, KestrelBadRequestsCategory, LogLevel.Information);
        foreach (var category in ArgumentLoggingCategories) HoldAtLeast(builder, category, LogLevel.Debug);
        HoldAtLeast(builder, RouteMatcherCategory, LogLevel.Information);
        builder.Services.AddHttpLogging(options =>
        {
            options.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.RequestQuery
                | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            options.CombineLogs = true;
        });
        builder.Services.AddSingleton<IHttpLoggingInterceptor, TokenRedactingInterceptor>();
        return builder;
    }

    /// <summary>Whether a query parameter (name and value, percent-decoded) carries a credential.</summary>
    public static bool IsCredential(string name, string? value) =>
        ChatSocketEndpoint.IsTokenParameter(name)
        || string.Equals(name, IdentityCodeName, StringComparison.OrdinalIgnoreCase)
        || LooksLikeJwt(name)
        || (value is not null && LooksLikeJwt(value));

    /// <summary>
    /// The request path (percent-decoded, as <see cref="HttpRequest.Path"/> holds it) with every segment shaped like a
    /// JWT replaced by <see cref="Redacted"/>; other segments are kept as they are, so logs stay readable.
    /// </summary>
    public static string RedactPath(string path) =>
        LooksLikeJwt(path) ? string.Join('/', path.Split('/').Select(segment => LooksLikeJwt(segment) ? Redacted : segment)) : path;

    private static bool LooksLikeJwt(string text) => text.Contains("eyJ", StringComparison.Ordinal) && JwtShape().IsMatch(text);

    /// <summary>A JWS or JWE: its first part is base64url JSON, so it starts <c>eyJ</c> (<c>{"</c>), then a dot-separated part.</summary>
    [GeneratedRegex(@"eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*\.")]
    private static partial Regex JwtShape();

    private sealed class TokenRedactingInterceptor : IHttpLoggingInterceptor
    {
        public ValueTask OnRequestAsync(HttpLoggingInterceptorContext logContext)
        {
            var path = logContext.HttpContext.Request.Path.Value ?? "";
            if (LooksLikeJwt(path))
            {
                logContext.TryDisable(HttpLoggingFields.RequestPath);
                logContext.AddParameter(nameof(HttpRequest.Path), RedactPath(path));
            }

            var query = logContext.HttpContext.Request.Query;
            if (query.Any(pair => pair.Value.Count == 0 ? IsCredential(pair.Key, null) : pair.Value.Any(value => IsCredential(pair.Key, value))))
            {
                // Rebuilt from the parsed query, so every spelling the endpoint reads is caught: names arrive decoded.
                logContext.TryDisable(HttpLoggingFields.RequestQuery);
                var safe = QueryString.Create(query.SelectMany(pair => pair.Value.Select(value => new KeyValuePair<string, string?>(
                    LooksLikeJwt(pair.Key) ? Redacted : pair.Key,
                    IsCredential(pair.Key, value) ? Redacted : value))));
                logContext.AddParameter("QueryString", safe.Value);
            }
            return ValueTask.CompletedTask;
        }

        public ValueTask OnResponseAsync(HttpLoggingInterceptorContext logContext) => ValueTask.CompletedTask;
    }
}
