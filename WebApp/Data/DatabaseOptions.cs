using System.ComponentModel.DataAnnotations;

namespace WebApp.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// <c>Database:Provider</c> picks the database. Its connection string stays with the others: SQLite uses
/// <c>ConnectionStrings:Default</c>, PostgreSQL <c>ConnectionStrings:Postgres</c>.
/// </summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Copied from <c>ConnectionStrings:Postgres</c> rather than bound from this section.</summary>
    public string? PostgresConnectionString { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(PostgresConnectionString))
        {
            yield return new ValidationResult(
                "Database:Provider is Postgres, so ConnectionStrings:Postgres must be set (e.g. \"Host=localhost;Username=chat;Password=...;Database=chat\").",
                [nameof(PostgresConnectionString)]);
        }
    }
}
