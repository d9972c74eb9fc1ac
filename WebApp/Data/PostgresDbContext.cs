using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace WebApp.Data;

/// <summary>
/// <see cref="AppDbContext"/> on PostgreSQL. A type of its own so EF Core keeps its migrations (in
/// Migrations/Postgres) apart from SQLite's; the rest of the app still asks for <see cref="AppDbContext"/>.
/// </summary>
public sealed class PostgresDbContext(DbContextOptions<PostgresDbContext> options) : AppDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // PostgreSQL folds unquoted names to lower case, and the column is "ClientId".
        builder.Entity<ChatMessage>().HasIndex(m => new { m.AuthorId, m.ClientId }).HasFilter("\"ClientId\" IS NOT NULL");

        // Message search (MessageSearch): ILIKE '%term%' uses a trigram index, which finds words inside unspaced text.
        builder.HasPostgresExtension("pg_trgm");
        builder.Entity<ChatMessage>().HasIndex(m => m.Text, "IX_Messages_Text_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // Npgsql stores these as timestamptz and refuses anything not marked UTC. Every time here is UTC, but one
        // that lost its Kind on the way (a default, or a value copied from SQLite) is written as UTC, not rejected.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcDateTimeOffsetConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        value => value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc),
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private sealed class UtcDateTimeOffsetConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(
        value => value.ToUniversalTime(),
        value => value);
}
