using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ConvoCanvas.Silo.Persistence;

/// <summary>
/// Applies the versioned <c>NNNN_name.sql</c> files of a folder to a PostgreSQL database,
/// in version order, each in its own transaction, and records them in
/// <c>schema_migrations</c>. Silos starting together serialize on an advisory lock, so
/// exactly one applies a migration and the others find it recorded.
/// </summary>
public sealed partial class PostgresMigrator
{
    /// <summary>The advisory lock key shared by every ConvoCanvas migrator ("ConvoCnv" in ASCII).</summary>
    public const long AdvisoryLockKey = 0x436F6E766F436E76;

    private readonly string connectionString;
    private readonly string migrationsFolder;
    private readonly ILogger logger;

    public PostgresMigrator(string connectionString, string migrationsFolder, ILogger<PostgresMigrator>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(migrationsFolder);
        this.connectionString = connectionString;
        this.migrationsFolder = Path.GetFullPath(migrationsFolder);
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The migrations folder the silo ships: <c>silo-config/migrations</c> beside the binaries.</summary>
    public static string DefaultMigrationsFolder =>
        Path.Combine(AppContext.BaseDirectory, "silo-config", "migrations");

    [GeneratedRegex(@"^(?<version>[0-9]+)_(?<name>[A-Za-z0-9_\-.]+)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex MigrationFileName();

    /// <summary>Reads and validates the migration files without touching the database.</summary>
    public IReadOnlyList<MigrationScript> ReadScripts()
    {
        if (!Directory.Exists(migrationsFolder))
        {
            throw new SchemaMigrationException(
                $"migrations folder '{migrationsFolder}' does not exist: check that silo-config/migrations was copied beside the silo");
        }

        var scripts = new List<MigrationScript>();
        foreach (var path in Directory.EnumerateFiles(migrationsFolder, "*.sql"))
        {
            var fileName = Path.GetFileName(path);
            var match = MigrationFileName().Match(fileName);
            if (!match.Success)
            {
                throw new SchemaMigrationException(
                    $"migration file '{path}' is not named NNNN_name.sql: rename it with a version prefix, e.g. 0004_{fileName}");
            }

            var version = long.Parse(match.Groups["version"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            var sql = File.ReadAllText(path, Encoding.UTF8);
            scripts.Add(new MigrationScript(version, match.Groups["name"].Value, fileName, sql, Checksum(sql)));
        }

        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < scripts.Count; i++)
        {
            if (scripts[i].Version == scripts[i - 1].Version)
            {
                throw new SchemaMigrationException(
                    $"migrations folder '{migrationsFolder}': '{scripts[i - 1].FileName}' and '{scripts[i].FileName}' share version {scripts[i].Version}: give each file its own version");
            }
        }

        return scripts;
    }

    /// <summary>
    /// Applies every pending migration. Throws <see cref="SchemaMigrationException"/> without
    /// applying anything if a migration that is already applied was edited since.
    /// </summary>
    /// <returns>The migrations applied by this call (empty when the schema was current).</returns>
    public async Task<IReadOnlyList<MigrationScript>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var scripts = ReadScripts();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        MigrationLog.MigrationsStarting(logger, scripts.Count, migrationsFolder, builder.Host ?? "", builder.Database ?? "");

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        // Session-level lock: held across all files, released when the connection closes
        // even if this process dies.
        MigrationLog.WaitingForLock(logger, AdvisoryLockKey);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", AdvisoryLockKey));
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    bigint      NOT NULL PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            var applied = await ReadAppliedAsync(connection, cancellationToken);
            VerifyUnchanged(scripts, applied);

            var pending = scripts.Where(s => !applied.ContainsKey(s.Version)).ToList();
            foreach (var script in pending)
            {
                await ApplyAsync(connection, script, cancellationToken);
            }

            MigrationLog.MigrationsFinished(logger, pending.Count, applied.Count);
            return pending;
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", AdvisoryLockKey));
            }
        }
    }

    private void VerifyUnchanged(IReadOnlyList<MigrationScript> scripts, IReadOnlyDictionary<long, AppliedMigration> applied)
    {
        var byVersion = scripts.ToDictionary(s => s.Version);
        foreach (var (version, record) in applied.OrderBy(a => a.Key))
        {
            if (!byVersion.TryGetValue(version, out var script))
            {
                MigrationLog.AppliedMigrationMissing(logger, version, record.Name, migrationsFolder);
                continue;
            }

            if (!string.Equals(script.Checksum, record.Checksum, StringComparison.Ordinal))
            {
                MigrationLog.ChecksumMismatch(logger, script.FileName, record.Checksum, script.Checksum);
                throw new SchemaMigrationException(
                    $"migration '{Path.Combine(migrationsFolder, script.FileName)}' (version {version}) was applied on " +
                    $"{record.AppliedAt:u} with checksum {record.Checksum}, but the file now has checksum {script.Checksum}: " +
                    "an applied migration must not be edited; restore the file and put the change in a new migration");
            }
        }
    }

    private async Task ApplyAsync(NpgsqlConnection connection, MigrationScript script, CancellationToken cancellationToken)
    {
        MigrationLog.ApplyingMigration(logger, script.Version, script.FileName);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await ExecuteAsync(connection, transaction, script.Sql, cancellationToken);
            await ExecuteAsync(connection, transaction,
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (@version, @name, @checksum)",
                cancellationToken, ("version", script.Version), ("name", script.Name), ("checksum", script.Checksum));
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException ex)
        {
            MigrationLog.MigrationFailed(logger, ex, script.FileName);
            throw new SchemaMigrationException(
                $"migration '{Path.Combine(migrationsFolder, script.FileName)}' failed and was rolled back: " +
                $"{ex.SqlState} {ex.MessageText}" + (ex.Position > 0 ? $" (at character {ex.Position})" : "") +
                ": fix the file before any silo applies it", ex);
        }

        MigrationLog.AppliedMigration(logger, script.Version, script.FileName,
            System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private static async Task<Dictionary<long, AppliedMigration>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<long, AppliedMigration>();
        await using var command = new NpgsqlCommand(
            "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var record = new AppliedMigration(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));
            applied.Add(record.Version, record);
        }

        return applied;
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        string sql,
        CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction)
        {
            // Waiting for another silo's lock, or a long migration, is not a timeout.
            CommandTimeout = 0,
        };
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>SHA-256 of the file text with line endings normalized, so a CRLF checkout is not an edit.</summary>
    public static string Checksum(string sql)
    {
        var normalized = sql.Replace("\r\n", "\n", StringComparison.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }
}

/// <summary>One migration file.</summary>
public sealed record MigrationScript(long Version, string Name, string FileName, string Sql, string Checksum);

/// <summary>One row of <c>schema_migrations</c>.</summary>
public sealed record AppliedMigration(long Version, string Name, string Checksum, DateTimeOffset AppliedAt);

/// <summary>The schema cannot be brought up to date; the message says which file and what to do.</summary>
public sealed class SchemaMigrationException : Exception
{
    public SchemaMigrationException(string message) : base(message)
    {
    }

    public SchemaMigrationException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
