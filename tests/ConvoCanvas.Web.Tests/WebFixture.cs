using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ConvoCanvas.Testing;
using ConvoCanvas.Testing.Kubernetes;
using ConvoCanvas.Testing.Ollama;
using Microsoft.Playwright;

namespace ConvoCanvas.Web.Tests;

/// <summary>
/// PostgreSQL, one database, the Ollama emulator with a few small models, the real silo process
/// serving the web front end (its Ollama the emulator), a seed import through POST /api/imports, and
/// Debian's Chromium driven by Playwright.
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    /// <summary>Imported before any test runs; the Import page test uploads the others itself.</summary>
    public static readonly string[] SeedFiles = ["chatgpt-small.json", "claude-small.json", "librechat-linear-small.json", "librechat-tree-small.json"];

    public const string ChromiumVariable = "CONVOCANVAS_CHROMIUM";

    private const long GB = 1_000_000_000;

    /// <summary>What the emulated Ollama has "pulled": two small chat models and an embedder, all of them fitting the 16 GiB card together.</summary>
    public static readonly EmulatedModel[] EmulatedModels =
    [
        new() { Name = "llama3.2:3b", FileBytes = 2 * GB, KvBytesPerToken = 114_688, LoadSeconds = 1.0, TokensPerSecond = 220, PromptTokensPerSecond = 11_000, ParameterSize = "3.2B", BlockCount = 28, HeadCount = 24, HeadCountKv = 8, EmbeddingLength = 3072 },
        new() { Name = "qwen2.5:7b", FileBytes = (long)(4.7 * GB), KvBytesPerToken = 57_344, LoadSeconds = 2.35, TokensPerSecond = 104, PromptTokensPerSecond = 5_200, Family = "qwen2", ParameterSize = "7.6B", ContextLength = 32_768, BlockCount = 28, HeadCount = 28, HeadCountKv = 4, EmbeddingLength = 3584 },
        new() { Name = "nomic-embed-text", FileBytes = 274_000_000, LoadSeconds = 0.3, Family = "nomic-bert", ParameterSize = "137M", Quantization = "F16", EmbeddingDimensions = 768, ContextLength = 2048, BlockCount = 12, HeadCount = 12, HeadCountKv = 12, EmbeddingLength = 768 },
    ];

    private readonly PostgresServer _postgres = new();
    private readonly List<string> _temporaryFolders = [];
    private readonly List<SiloProcess> _extraSilos = [];
    private readonly OllamaEmulator _ollama = new(EmulatedModels, new OllamaEmulatorOptions { TimeScale = 0.01 });
    private readonly KubernetesEmulator _kubernetes = new();
    private SiloProcess? _silo;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public SiloProcess Silo => _silo ?? throw new InvalidOperationException("the fixture is not initialised");

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The silo's Ollama (CONVOCANVAS_OLLAMA): a real HTTP server on loopback speaking Ollama's API.</summary>
    public OllamaEmulator Ollama => _ollama;

    /// <summary>
    /// The silo's Kubernetes cluster (CONVOCANVAS_K8S_URL, named <see cref="ClusterName"/>): the API emulator serving the
    /// real kind-cluster JSON from ../shared/data/k8s, scriptable from the tests.
    /// </summary>
    public KubernetesEmulator Kubernetes => _kubernetes;

    public const string ClusterName = "kind";

    /// <summary>The answer of the seed import (the REST import report).</summary>
    public JsonElement SeedReport { get; private set; }

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        var database = await _postgres.CreateDatabaseAsync("web");
        await _ollama.StartAsync();
        if (RepositoryPaths.SharedData is { } shared)
        {
            _kubernetes.SeedFolder(Path.Combine(shared, "k8s", "sonobuoy-kind-cluster", "pkg", "discovery", "testdata", "healthsummary"));
        }
        await _kubernetes.StartAsync();
        _silo = new SiloProcess(database, environment: "Development");
        _silo.Settings["CONVOCANVAS_OLLAMA"] = _ollama.Address.ToString();
        _silo.Settings["CONVOCANVAS_K8S_URL"] = _kubernetes.Url;
        _silo.Settings["ConvoCanvas__Cluster__Name"] = ClusterName;
        _silo.Settings["ConvoCanvas__Cluster__Grains__PublishInterval"] = "00:00:00.200";
        _silo.Settings["ConvoCanvas__Cluster__BackoffMax"] = "00:00:01";
        await _silo.StartAsync();
        Http = new HttpClient { BaseAddress = _silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        using var form = new MultipartFormDataContent();
        foreach (var name in SeedFiles)
        {
            form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(Fixtures, name))), "file", name);
        }
        using var response = await Http.PostAsync("api/imports", form);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"seed import failed with {(int)response.StatusCode}: {body}\n{_silo.Log}");
        }
        SeedReport = JsonDocument.Parse(body).RootElement.Clone();

        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumBinary(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        Http?.Dispose();
        foreach (var extra in _extraSilos)
        {
            await extra.DisposeAsync();
        }
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
        await _ollama.DisposeAsync();
        await _kubernetes.DisposeAsync();
        await _postgres.DisposeAsync();
        foreach (var folder in _temporaryFolders)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Another silo, on its own database (so it forms its own cluster), with <paramref name="settings"/>
    /// as environment variables; search off, so it leaves the shared ChromaDB alone. Stopped with the fixture.
    /// </summary>
    public async Task<SiloProcess> StartOtherSiloAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var silo = new SiloProcess(await _postgres.CreateDatabaseAsync(name), environment: "Development");
        silo.Settings["ConvoCanvas__Search__Enabled"] = "false";
        foreach (var (key, value) in settings)
        {
            silo.Settings[key] = value;
        }
        _extraSilos.Add(silo);
        await silo.StartAsync();
        return silo;
    }

    /// <summary>A folder removed after the silo has stopped (a vault the silo may still be watching).</summary>
    /// <summary>Adds a vault over REST and waits until at least <paramref name="notes"/> notes are indexed; a failed index stops the wait at once.</summary>
    public async Task AddVaultAsync(string name, string root, int notes)
    {
        using (var add = await Http.PostAsJsonAsync("api/vaults", new { name, path = root }))
        {
            Assert.True(add.IsSuccessStatusCode, await add.Content.ReadAsStringAsync());
        }
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while ((await Http.GetFromJsonAsync<JsonElement>($"api/vaults/{name}")) is var vault
            && (vault.GetProperty("indexPending").GetInt32() > 0 || vault.GetProperty("indexed").GetInt32() < notes))
        {
            Assert.True(vault.GetProperty("indexFailed").GetInt32() == 0, $"indexing failed: {vault}");
            Assert.True(DateTime.UtcNow < deadline, $"the vault was not indexed in 90 s: {vault}");
            await Task.Delay(250);
        }
    }

    public string TemporaryFolder(string prefix)
    {
        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        _temporaryFolders.Add(folder);
        return folder;
    }

    /// <summary>
    /// Opens a fresh browser context on <paramref name="path"/>, waits for the Blazor circuit, runs
    /// <paramref name="test"/>, and saves a full-page screenshot as artifacts/web/&lt;test&gt;.png
    /// whether the test passed or not.
    /// </summary>
    public async Task OnPageAsync(string path, Func<IPage, Task> test, SiloProcess? silo = null, [CallerMemberName] string testName = "")
    {
        silo ??= Silo;
        await using var context = await _browser!.NewContextAsync(new()
        {
            BaseURL = silo.BaseAddress.ToString(),
            ViewportSize = new() { Width = 1280, Height = 900 },
        });
        var page = await context.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };
        try
        {
            await page.GotoAsync(path);
            await WaitInteractiveAsync(page);
            await test(page);
        }
        catch (Exception ex) when (ex is PlaywrightException or Xunit.Sdk.XunitException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"{testName} failed on {page.Url}: {ex.Message}\nbrowser console errors:\n{string.Join('\n', consoleErrors)}\nsilo log tail:\n{Tail(silo.Log)}", ex);
        }
        finally
        {
            await ScreenshotAsync(page, testName);
        }
    }

    /// <summary>A full-page screenshot as artifacts/web/&lt;name&gt;.png (also for a page a test passes through).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(RepositoryPaths.Artifacts, "web");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}.png"), FullPage = true });
    }

    /// <summary>Buttons are disabled until the SignalR circuit is up; the layout says "live" then.</summary>
    public static Task WaitInteractiveAsync(IPage page) =>
        Assertions.Expect(page.GetByTestId("circuit")).ToHaveTextAsync("live");

    private static string Tail(string log) => log.Length <= 4000 ? log : log[^4000..];

    /// <summary>CONVOCANVAS_CHROMIUM, else the real binary behind Debian's wrapper (as scripts/lib/chromium.sh finds it).</summary>
    private static string ChromiumBinary()
    {
        if (Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } configured)
        {
            return configured;
        }
        try
        {
            var info = new ProcessStartInfo("dpkg", ["-L", "chromium"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var dpkg = Process.Start(info)!;
            var listing = dpkg.StandardOutput.ReadToEnd();
            dpkg.WaitForExit();
            foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (line.StartsWith("/usr/lib/", StringComparison.Ordinal) && line.EndsWith("/chromium", StringComparison.Ordinal) && IsElf(line))
                {
                    return line;
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No dpkg: not Debian; try the usual name.
        }
        return File.Exists("/usr/bin/chromium")
            ? "/usr/bin/chromium"
            : throw new FileNotFoundException($"no Chromium: install Debian's 'chromium' package (scripts/lib/chromium.sh does) or set {ChromiumVariable}");
    }

    private static bool IsElf(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("\x7fELF"u8);
    }
}
