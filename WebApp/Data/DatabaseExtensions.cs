using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace WebApp.Data;

public static class DatabaseExtensions
{
    /// <summary>
    /// A pooled <see cref="IDbContextFactory{AppDbContext}"/> and a scoped <see cref="AppDbContext"/> on the
    /// database <c>Database:Provider</c> names: SQLite (the default) or PostgreSQL.
    /// </summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .Configure<IConfiguration>((options, config) => options.PostgresConnectionString = config.GetConnectionString("Postgres"))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The provider decides which services exist, so it is read now; the rest waits for the validated options.
        if (configuration.GetValue<DatabaseProvider>($"{DatabaseOptions.Section}:{nameof(DatabaseOptions.Provider)}") == DatabaseProvider.Postgres)
        {
            services.AddPooledDbContextFactory<PostgresDbContext>((sp, options) => options
                .UseNpgsql(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.PostgresConnectionString));
            services.AddSingleton<IDbContextFactory<AppDbContext>, PostgresContexts>();
        }
        else
        {
            services.AddPooledDbContextFactory<AppDbContext>(options => options
                .UseSqlite(configuration.GetConnectionString("Default") ?? "Data Source=app.db")
                .AddInterceptors(new SqlitePragmas(), new SqliteTextFolding()));
        }
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        return builder;
    }

    /// <summary>Hands out PostgreSQL contexts to everything that asks for an <see cref="AppDbContext"/>.</summary>
    private sealed class PostgresContexts(IDbContextFactory<PostgresDbContext> postgres) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => postgres.CreateDbContext();

        public async Task<AppDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await postgres.CreateDbContextAsync(cancellationToken);
    }
}
