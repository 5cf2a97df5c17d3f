using ConvoCanvas.Silo.Persistence;
using ConvoCanvas.Testing;
using Npgsql;

namespace ConvoCanvas.Integration.Tests.Persistence;

[Collection(PostgresCollection.Name)]
public sealed class MigrationTests(PostgresServer server) : IDisposable
{
    private readonly List<string> tempFolders = [];

    /// <summary>The versions the silo ships, so these tests hold as migrations are added.</summary>
    private static readonly long[] Shipped = new PostgresMigrator("Host=127.0.0.1", PostgresMigrator.DefaultMigrationsFolder)
        .ReadScripts().Select(s => s.Version).ToArray();

    [Fact]
    public async Task Migrations_apply_on_an_empty_database_and_a_second_run_applies_nothing()
    {
        var db = await server.CreateDatabaseAsync("migrate_empty");
        var migrator = new PostgresMigrator(db, PostgresMigrator.DefaultMigrationsFolder);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(Shipped, first.Select(m => m.Version));
        Assert.Contains(1L, Shipped);
        Assert.Empty(second);
        Assert.Equal(Shipped.LongLength, await ScalarAsync<long>(db, "SELECT count(*) FROM schema_migrations"));
        var keys = await ListAsync(db, "SELECT QueryKey FROM OrleansQuery");
        string[] required =
        [
            // Clustering (9), reminders (7), persistence (3 + DeleteStorageKey).
            "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey", "InsertMembershipKey",
            "UpdateMembershipKey", "UpdateIAmAlivetimeKey", "GatewaysQueryKey", "CleanupDefunctSiloEntriesKey",
            "DeleteMembershipTableEntriesKey",
            "UpsertReminderRowKey", "ReadReminderRowKey", "ReadReminderRowsKey", "ReadRangeRows1Key",
            "ReadRangeRows2Key", "DeleteReminderRowKey", "DeleteReminderRowsKey",
            "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        ];
        Assert.Empty(required.Except(keys));
    }

    [Fact]
    public async Task Edited_applied_migration_is_refused_and_nothing_later_is_applied()
    {
        var db = await server.CreateDatabaseAsync("migrate_edited");
        var folder = CopyMigrations();
        await new PostgresMigrator(db, folder).MigrateAsync();

        File.AppendAllText(Path.Combine(folder, "0002_orleans_storage.sql"), "\n-- an edit after the fact\n");
        File.WriteAllText(Path.Combine(folder, "0004_later.sql"), "CREATE TABLE later_table (id int);");

        var error = await Assert.ThrowsAsync<SchemaMigrationException>(() => new PostgresMigrator(db, folder).MigrateAsync());

        Assert.Contains("0002_orleans_storage.sql", error.Message);
        Assert.Contains("must not be edited", error.Message);
        Assert.Equal(Shipped.LongLength, await ScalarAsync<long>(db, "SELECT count(*) FROM schema_migrations"));
        Assert.Null(await ScalarAsync<string?>(db, "SELECT to_regclass('later_table')::text"));
    }

    [Fact]
    public async Task Line_ending_changes_are_not_edits()
    {
        var db = await server.CreateDatabaseAsync("migrate_crlf");
        var folder = CopyMigrations();
        await new PostgresMigrator(db, folder).MigrateAsync();

        var path = Path.Combine(folder, "0001_orleans_membership.sql");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\n", "\r\n"));

        Assert.Empty(await new PostgresMigrator(db, folder).MigrateAsync());
    }

    [Fact]
    public async Task Concurrent_migrators_apply_each_migration_exactly_once()
    {
        var db = await server.CreateDatabaseAsync("migrate_concurrent");

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => new PostgresMigrator(db, PostgresMigrator.DefaultMigrationsFolder).MigrateAsync())));

        Assert.Equal(Shipped.Length, runs.Sum(r => r.Count));
        Assert.Equal(Shipped.LongLength, await ScalarAsync<long>(db, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Migration_files_are_idempotent_when_run_again_without_their_record()
    {
        var db = await server.CreateDatabaseAsync("migrate_rerun");
        var migrator = new PostgresMigrator(db, PostgresMigrator.DefaultMigrationsFolder);
        await migrator.MigrateAsync();
        var queries = await ScalarAsync<long>(db, "SELECT count(*) FROM OrleansQuery");

        await ExecuteAsync(db, "DELETE FROM schema_migrations");
        var again = await migrator.MigrateAsync();

        Assert.Equal(Shipped.Length, again.Count);
        Assert.Equal(queries, await ScalarAsync<long>(db, "SELECT count(*) FROM OrleansQuery"));
    }

    [Fact]
    public async Task Failed_migration_is_rolled_back_and_not_recorded()
    {
        var db = await server.CreateDatabaseAsync("migrate_failed");
        var folder = CopyMigrations();
        File.WriteAllText(Path.Combine(folder, "9999_broken.sql"),
            "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;");

        var error = await Assert.ThrowsAsync<SchemaMigrationException>(() => new PostgresMigrator(db, folder).MigrateAsync());

        Assert.Contains("9999_broken.sql", error.Message);
        Assert.Equal(Shipped.LongLength, await ScalarAsync<long>(db, "SELECT count(*) FROM schema_migrations"));
        Assert.Null(await ScalarAsync<string?>(db, "SELECT to_regclass('half_done')::text"));
    }

    [Fact]
    public void Badly_named_file_is_refused_with_its_path()
    {
        var folder = CopyMigrations();
        File.WriteAllText(Path.Combine(folder, "extra.sql"), "SELECT 1;");

        var error = Assert.Throws<SchemaMigrationException>(() => new PostgresMigrator("Host=unused", folder).ReadScripts());

        Assert.Contains("extra.sql", error.Message);
    }

    private string CopyMigrations()
    {
        var folder = Directory.CreateTempSubdirectory("cc-migrations-").FullName;
        tempFolders.Add(folder);
        foreach (var file in Directory.EnumerateFiles(PostgresMigrator.DefaultMigrationsFolder, "*.sql"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    internal static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default! : (T)value;
    }

    internal static async Task<List<string>> ListAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetValue(0).ToString()!);
        }

        return values;
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        foreach (var folder in tempFolders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
