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
    private TaskCompletionSource? _started;

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
    /// <summary>The ChromaDB server; null uses CONVOCANVAS_TEST_CHROMA (what scripts/test.sh started).</summary>
    public string? ChromaUrl { get; init; }
    /// <summary>Extra settings for the silo process (environment variables).</summary>
    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);
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
        if (System.Environment.GetEnvironmentVariable("CONVOCANVAS_TEST_CHROMA") is { Length: > 0 } chroma)
        {
            info.Environment["CONVOCANVAS_CHROMA"] = ChromaUrl ?? chroma;
        }
        else if (ChromaUrl is not null)
        {
            info.Environment["CONVOCANVAS_CHROMA"] = ChromaUrl;
        }
        info.Environment["CONVOCANVAS_HTTP_PORT"] = HttpPort.ToString();
        info.Environment["CONVOCANVAS_GATEWAY_PORT"] = GatewayPort.ToString();
        info.Environment["CONVOCANVAS_SILO_PORT"] = SiloPort.ToString();
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__ConvoCanvas"] = "Information";
        foreach (var (key, value) in Settings)
        {
            info.Environment[key] = value;
        }
        // The host logs this line once every hosted service, the Orleans silo among them, has started.
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        // A local as well as the field: a previous process's late Exited event must not fail this start.
        var started = _started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start the silo");
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => started.TrySetException(new InvalidOperationException("the silo exited while starting"));
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        try
        {
            await started.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(90));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"the silo did not start ({ex.Message}):\n{Log}", ex);
        }
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync("health/ready");
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the silo started but is not ready: {await response.Content.ReadAsStringAsync()}\n{Log}");
        }
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
        if (line.Contains("Application started", StringComparison.Ordinal))
        {
            _started?.TrySetResult();
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
