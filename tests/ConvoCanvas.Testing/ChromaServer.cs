using System.Diagnostics;
using Xunit;

namespace ConvoCanvas.Testing;

/// <summary>
/// A ChromaDB server for a test run. With <c>CONVOCANVAS_TEST_CHROMA</c> set (the server's
/// URL, as scripts/test.sh exports it), that server is used. Otherwise a
/// <see cref="PrivateChromaServer"/> is started and stopped at dispose. Use it as a collection
/// fixture and give each test its own collection names. Tests that stop the server use a
/// <see cref="PrivateChromaServer"/> of their own instead, so that others are unaffected.
/// </summary>
public sealed class ChromaServer : IAsyncLifetime
{
    public const string UrlVariable = "CONVOCANVAS_TEST_CHROMA";

    private PrivateChromaServer? privateServer;

    public Uri Url { get; private set; } = null!;

    /// <summary>True when this fixture started (and will stop) its own server.</summary>
    public bool IsPrivate => privateServer is not null;

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(UrlVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            Url = new Uri(external);
            return;
        }

        privateServer = new PrivateChromaServer();
        await privateServer.InitializeAsync();
        Url = privateServer.Url;
    }

    public async Task DisposeAsync()
    {
        if (privateServer is not null)
        {
            await privateServer.DisposeAsync();
        }
    }
}

/// <summary>
/// A ChromaDB server of its own, started through <c>scripts/lib/chroma.sh</c>
/// (<c>chroma_ensure_installed &amp;&amp; chroma_start</c>) in a temporary folder on a free port,
/// stopped and deleted at dispose. <see cref="StopAsync"/> and <see cref="StartAsync"/> take it
/// down and bring it back on the same data folder and port, for "ChromaDB went away" tests.
/// </summary>
public sealed class PrivateChromaServer : IAsyncLifetime
{
    private string? dataDirectory;
    private int port;

    public Uri Url { get; private set; } = null!;

    /// <summary>The folder that holds chroma/ (the database), chroma.log and chroma.pid.</summary>
    public string DataDirectory => dataDirectory ?? throw new InvalidOperationException("the server has not been initialized");

    public async Task InitializeAsync()
    {
        port = PostgresServer.FreeTcpPort();
        dataDirectory = Directory.CreateTempSubdirectory("ccchroma-").FullName;
        Url = new Uri($"http://127.0.0.1:{port}");
        await RunScriptAsync($"chroma_ensure_installed && chroma_start \"$1\" {port}");
    }

    /// <summary>Stops the server; its data stays for <see cref="StartAsync"/>.</summary>
    public Task StopAsync() => RunScriptAsync("chroma_stop \"$1\"");

    /// <summary>Starts the server again on the same data folder and port (a no-op while it runs).</summary>
    public Task StartAsync() => RunScriptAsync($"chroma_start \"$1\" {port}");

    public async Task DisposeAsync()
    {
        if (dataDirectory is null)
        {
            return;
        }

        try
        {
            await StopAsync();
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

    private Task RunScriptAsync(string commands) =>
        ServiceScript.RunAsync(ServiceScript.Find("chroma.sh", $"set {ChromaServer.UrlVariable}"), commands, DataDirectory);
}
