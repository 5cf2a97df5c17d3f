using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ConvoCanvas.Testing;
using Microsoft.Playwright;

namespace ConvoCanvas.Web.Tests;

/// <summary>
/// PostgreSQL, one database, the real silo process serving the web front end, a seed import through
/// POST /api/imports, and Debian's Chromium driven by Playwright.
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    /// <summary>Imported before any test runs; the Import page test uploads the others itself.</summary>
    public static readonly string[] SeedFiles = ["chatgpt-small.json", "claude-small.json", "librechat-linear-small.json", "librechat-tree-small.json"];

    public const string ChromiumVariable = "CONVOCANVAS_CHROMIUM";

    private readonly PostgresServer _postgres = new();
    private readonly List<string> _temporaryFolders = [];
    private SiloProcess? _silo;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public SiloProcess Silo => _silo ?? throw new InvalidOperationException("the fixture is not initialised");

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The answer of the seed import (the REST import report).</summary>
    public JsonElement SeedReport { get; private set; }

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        var database = await _postgres.CreateDatabaseAsync("web");
        _silo = new SiloProcess(database, environment: "Development");
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
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
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

    /// <summary>A folder removed after the silo has stopped (a vault the silo may still be watching).</summary>
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
    public async Task OnPageAsync(string path, Func<IPage, Task> test, [CallerMemberName] string testName = "")
    {
        await using var context = await _browser!.NewContextAsync(new()
        {
            BaseURL = Silo.BaseAddress.ToString(),
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
                $"{testName} failed on {page.Url}: {ex.Message}\nbrowser console errors:\n{string.Join('\n', consoleErrors)}\nsilo log tail:\n{Tail(Silo.Log)}", ex);
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
