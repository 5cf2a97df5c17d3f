using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;
using Xunit;

namespace ConvoCanvas.Testing;

/// <summary>
/// A PostgreSQL server for a test run. With <c>CONVOCANVAS_TEST_PG</c> set (an Npgsql
/// connection string), that server is used. Otherwise a private server is started through
/// <c>scripts/lib/postgres.sh</c> in a temporary folder on a free port, and stopped and
/// deleted at dispose. Use it as a collection fixture; give each test class its own
/// database with <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed partial class PostgresServer : IAsyncLifetime
{
    public const string ConnectionStringVariable = "CONVOCANVAS_TEST_PG";

    private string? dataDirectory;
    private string? scriptPath;

    /// <summary>A connection string to a database on the server that may run CREATE DATABASE.</summary>
    public string AdminConnectionString { get; private set; } = "";

    /// <summary>True when this fixture started (and will stop) its own server.</summary>
    public bool IsPrivate => dataDirectory is not null;

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            AdminConnectionString = external;
            return;
        }

        scriptPath = FindScript();
        var port = FreeTcpPort();
        // Short path: the unix socket lives inside it (107-byte limit).
        dataDirectory = Directory.CreateTempSubdirectory("ccpg-").FullName;
        await RunScriptAsync($"pg_ensure_installed && pg_start \"$1\" {port}", dataDirectory);
        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
        }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (dataDirectory is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunScriptAsync("pg_stop \"$1\"", dataDirectory);
        }
        finally
        {
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is not worth failing the run for.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();

    /// <summary>
    /// Creates an empty database (dropping one of that name first) and returns a connection
    /// string for it. Names are lowercase identifiers: <c>[a-z_][a-z0-9_]*</c>.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"database name '{name}' must match [a-z_][a-z0-9_]* (at most 63 characters)", nameof(name));
        }

        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            foreach (var sql in new[] { $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", $"CREATE DATABASE {name}" })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    private Task RunScriptAsync(string commands, string argument) => ServiceScript.RunAsync(scriptPath!, commands, argument);

    private static string FindScript() => ServiceScript.Find("postgres.sh", $"set {ConnectionStringVariable}");

    /// <summary>A loopback TCP port that was free a moment ago.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
