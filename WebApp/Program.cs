using Microsoft.AspNetCore.DataProtection;
using WebApp.Auth;
using WebApp.Chat;
using WebApp.Data;
using WebApp.Localization;
using WebApp.Operations;
using WebApp.Pages.Rooms;
using WebApp.ScaleOut;
using WebApp.Security;

var builder = WebApplication.CreateBuilder(args);

// Data: EF Core on SQLite (Data Source=app.db unless configured) or, with Database:Provider=Postgres, PostgreSQL.
// Sockets outlive requests, hence the factory; contexts are pooled because every message and page uses one.
builder.AddDatabase();
// The keys protecting cookies live in the database, so people stay signed in across restarts, and every instance
// reads every other's cookies: same key ring, same application name (by default it is the content root path).
builder.Services.AddDataProtection().PersistKeysToDbContext<AppDbContext>().SetApplicationName("chat");

// Accounts: Identity UI with cookie sign-in and lockout, plus the socket-token issuer.
builder.Services.AddAccounts(builder.Environment);

// Chat: the socket endpoint, the per-room connection registry and the message publisher.
builder.Services.AddChat();

// Scale-out: with ConnectionStrings:Redis, instances share messages, presence, revocations and used token ids.
builder.AddScaleOut();

// Operations: /healthz and /readyz; chat metrics are on the meter WebApp.Chat.
builder.Services.AddHealth(builder.Configuration);
// Metrics: with Metrics:Enabled, /metrics in Prometheus text for Metrics:AllowedNetworks; OTLP with OTEL_EXPORTER_OTLP_ENDPOINT.
builder.AddMetrics();

// Request logs that never contain a socket token.
builder.AddRequestLoggingWithoutTokens();

// HTTPS: trusted proxies (ForwardedHeaders:KnownProxies/KnownNetworks, loopback by default) may say a request was
// HTTPS; outside Development plain HTTP is redirected to the HTTPS port, or refused with 400 when there is none.
builder.AddTransportSecurity();

builder.Services.AddSingleton(TimeProvider.System);
// Languages: en, ja and zh-Hans, from the account's choice, then the culture cookie, then Accept-Language.
builder.Services.AddSiteLocalization();
builder.Services.AddRazorPages().AddSiteLocalization();
// Search: a full-text query per request, so each person's searches are rate limited (Search:RateLimit).
builder.Services.AddSearchRateLimit();
// The room page's latest history, rendered once per room state and time zone and shared by its readers.
builder.Services.AddRoomHistoryCache();

var app = builder.Build();

// The database is created and migrated on start, so a fresh clone needs no `dotnet ef` step.
await app.Services.MigrateDatabaseAsync();
// Load the token signing key now, so a missing Jwt:SigningKey is reported at start rather than at first use.
app.Services.GetRequiredService<SocketTokens>();

app.UseTransportSecurity();
app.UseHttpLogging();
app.UseSecurityHeaders();
app.UseStatusCodePagesWithReExecute("/Status", "?code={0}");
app.UseRouting();
app.UseAuthentication();
app.UseSiteLocalization();
app.UseAuthorization();
app.UseRateLimiter();
app.UseWebSockets();

app.MapStaticAssets();
app.MapRazorPages().WithStaticAssets();
app.MapChat();
app.MapHealth();
app.MapMetrics();

app.Run();
