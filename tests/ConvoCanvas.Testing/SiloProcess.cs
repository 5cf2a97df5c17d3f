using System.Diagnostics;
using System.Net.Http;
using System.Text;

namespace ConvoCanvas.Testing;

/// <summary>
/// The real silo executable, started as its own process the way ./scripts/up.sh starts it, on free
/// ports and a given database. Tests can stop it gracefully, kill -9 it, and start it again on the
/// same database.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    /// <param name="environment">
    /// Test (silo-config/appsettings.Test.json) by default. The browser tests use Development: outside
    /// it, a silo run from its build folder (not published) does not serve the web front end's static assets.
    /// </param>
    public SiloProcess(string connectionString, string environment = "Test")
    {
        ConnectionString = connectionString;
        Environment = environment;
        HttpPort = PostgresServer.FreeTcpPort();
        GatewayPort = PostgresServer.FreeTcpPort();
        SiloPort = PostgresServer.FreeTcpPort();
    }

    public string ConnectionString { get; }
    public string Environment { get; }
    public int HttpPort { get; }
    public int GatewayPort { get; }
    public int SiloPort { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>What the silo printed, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static string SiloDll => Path.Combine(RepositoryPaths.Root, "src", "ConvoCanvas.Silo", "bin", RepositoryPaths.Configuration, "net10.0", "ConvoCanvas.Silo.dll");

    public async Task StartAsync(TimeSpan? timeout = null)
    {
        if (!File.Exists(SiloDll))
        {
            throw new FileNotFoundException($"build the silo first ({RepositoryPaths.Configuration}): {SiloDll}");
        }
        var info = new ProcessStartInfo("dotnet", [SiloDll])
        {
            WorkingDirectory = Path.GetDirectoryName(SiloDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = Environment;
        info.Environment["CONVOCANVAS_PG"] = ConnectionString;
        info.Environment["CONVOCANVAS_HTTP_PORT"] = HttpPort.ToString();
        info.Environment["CONVOCANVAS_GATEWAY_PORT"] = GatewayPort.ToString();
        info.Environment["CONVOCANVAS_SILO_PORT"] = SiloPort.ToString();
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start the silo");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the silo exited with {_process.ExitCode}:\n{Log}");
            }
            try
            {
                using var response = await http.GetAsync("health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the silo was not ready in time:\n{Log}");
    }

    /// <summary>kill -9: no shutdown, no flush; what was acknowledged must already be in PostgreSQL.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            // SIGTERM: the host shuts down gracefully, leaving the cluster in order.
            using var term = Process.Start("kill", ["-TERM", process.Id.ToString()]);
            await term!.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            if (_log.Length < 200_000)
            {
                _log.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}
