using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConvoCanvas.Content.Text;
using ConvoCanvas.Integration.Tests.Persistence;
using ConvoCanvas.Testing;
using ConvoCanvas.Testing.Ollama;

namespace ConvoCanvas.Integration.Tests.Content;

/// <summary>
/// A blog series from a vault, as a user makes it with the CLI: plan, draft (the emulator's model, which
/// cites a source that does not exist; then extractive), posts (the model writes too long, once and again),
/// export and re-export. The real silo, search, PostgreSQL and ChromaDB.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SeriesEndToEndTests(PostgresServer server) : IAsyncLifetime
{
    private static readonly string[] Themes =
    [
        "The DNS resolver on the router stopped answering; pods could not resolve names and the cluster went quiet.",
        "The GPU ran out of VRAM when two models loaded at once; the scheduler had to ration memory.",
        "Nightly backups of the PostgreSQL volume to the NAS, and a restore drill that found a missing WAL file.",
        "Dashboards and alerts: a silence alarm for the cluster, and a crash loop alert that paged at 3 am.",
    ];

    private readonly PrivateChromaServer _chroma = new();
    private readonly OllamaEmulator _ollama = new(
        [new EmulatedModel { Name = "llama3.1:8b", FileBytes = 4_900_000_000, LoadSeconds = 2.5, TokensPerSecond = 100 }],
        new OllamaEmulatorOptions { TimeScale = 0.01 });
    private readonly List<string> _folders = [];
    private SiloProcess _silo = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        await _chroma.InitializeAsync();
        await _ollama.StartAsync();
        var vault = Folder("ccseries-vault-");
        var day = new DateTime(2025, 9, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var theme = 0; theme < Themes.Length; theme++)
        {
            for (var i = 0; i < 3; i++)
            {
                var date = day.AddDays(theme * 10 + i * 2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                await File.WriteAllTextAsync(Path.Combine(vault, $"homelab-{theme}-{i}.md"),
                    $"---\ndate: {date}\ntags: [homelab, part{theme}]\n---\n# Home lab log {theme}.{i}\n\nIn my home lab: {Themes[theme]} Entry {i} of this part.\n");
            }
        }
        await File.WriteAllTextAsync(Path.Combine(vault, "sourdough.md"), "---\ndate: 2025-09-05\n---\n# Sourdough\n\nFeed the starter twice a day.\n");
        _silo = new SiloProcess(await server.CreateDatabaseAsync("series")) { ChromaUrl = _chroma.Url.ToString().TrimEnd('/') };
        _silo.Settings["CONVOCANVAS_OLLAMA"] = _ollama.Address.ToString();
        await _silo.StartAsync();
        _http = new HttpClient { BaseAddress = _silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await Vaults.AddAndWaitAsync(_http, "lab", vault, 13);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _silo.DisposeAsync();
        await _ollama.DisposeAsync();
        await _chroma.DisposeAsync();
        foreach (var folder in _folders)
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task A_series_is_planned_drafted_posted_and_exported_from_the_cli()
    {
        // Plan: four episodes in time order, each with three sources; the same data gives the same plan.
        var plan = await CliJsonAsync("series", "plan", "--topic", "my home lab", "--episodes", "4", "--json");
        Assert.Equal("my-home-lab", plan.GetProperty("slug").GetString());
        var episodes = plan.GetProperty("episodes").EnumerateArray().ToList();
        Assert.Equal(4, episodes.Count);
        Assert.All(episodes, e => Assert.True(e.GetProperty("sources").GetArrayLength() >= 3));
        Assert.True(episodes.Zip(episodes.Skip(1)).All(p => p.First.GetProperty("to").GetDateTimeOffset() < p.Second.GetProperty("from").GetDateTimeOffset()));
        var again = await CliJsonAsync("series", "plan", "--topic", "my home lab", "--episodes", "4", "--json");
        Assert.Equal(Shape(plan), Shape(again));
        // The episodes follow the log's parts: each episode's sources are one part's notes.
        for (var e = 0; e < 4; e++)
        {
            Assert.All(episodes[e].GetProperty("sources").EnumerateArray(), s => Assert.StartsWith($"homelab-{e}-", s.GetProperty("path").GetString()));
        }

        // A model's draft: its made-up citation [9] is removed, the real one becomes a footnote.
        _ollama.Reply = (_, prompt) => prompt.Contains("Write this episode", StringComparison.Ordinal)
            ? "## What broke\n\nThe resolver stopped answering [1]. Nobody noticed for days [9].\n\n## The fix\n\nA static address for the router [2, 3]."
            : null;
        var drafted = await CliJsonAsync("series", "draft", "my-home-lab", "--episode", "1", "--json");
        var first = Assert.Single(drafted.GetProperty("episodes").EnumerateArray());
        Assert.Equal("model", first.GetProperty("kind").GetString());
        Assert.Equal(1, first.GetProperty("removedCitations").GetInt32());
        var markdown = first.GetProperty("markdown").GetString()!;
        Assert.Contains("The resolver stopped answering [^1]. Nobody noticed for days.", markdown);
        Assert.Contains("A static address for the router [^2][^3].", markdown);
        Assert.Contains("[^1]: Home lab log 0.0 — lab/homelab-0-0.md", markdown);
        Assert.Equal(["homelab-0-0.md", "homelab-0-1.md", "homelab-0-2.md"], first.GetProperty("citations").EnumerateArray().Select(c => c.GetProperty("path").GetString()));
        Assert.Equal(1, drafted.GetProperty("modelCalls").GetInt32());
        Assert.True(drafted.GetProperty("outputTokens").GetInt32() > 0);

        // Extractive drafts for all: episode 1 keeps its model version as version 1.
        var extractive = await CliJsonAsync("series", "draft", "my-home-lab", "--no-model", "--json");
        Assert.Equal(4, extractive.GetProperty("episodes").GetArrayLength());
        Assert.All(extractive.GetProperty("episodes").EnumerateArray(), e => Assert.Equal("extractive", e.GetProperty("kind").GetString()));
        var versions = await _http.GetFromJsonAsync<JsonElement>("api/series/my-home-lab/episodes/1/drafts");
        Assert.Equal(["model", "extractive"], versions.EnumerateArray().Select(v => v.GetProperty("kind").GetString()));

        // Posts: the model writes a short post too long, and again when asked to shorten it: it is cut.
        var tooLong = string.Join(' ', Enumerable.Repeat("My home lab taught me to watch DNS.", 12));
        _ollama.Reply = (_, prompt) =>
            prompt.Contains("at most 300 characters", StringComparison.Ordinal) ? tooLong
            : System.Text.RegularExpressions.Regex.IsMatch(prompt, "rewrite it in at most 2[0-9][0-9] characters") ? tooLong[..320]
            : prompt.Contains("LinkedIn post", StringComparison.Ordinal) ? "A home lab story, told from my notes. #homelab"
            : null;
        var posts = await CliJsonAsync("series", "posts", "my-home-lab", "--json");
        Assert.Equal("model", posts.GetProperty("kind").GetString());
        Assert.Equal(5 * 3 + 5, posts.GetProperty("modelCalls").GetInt32());
        Assert.Equal(5, posts.GetProperty("shortened").GetInt32());
        Assert.Equal(5, posts.GetProperty("cut").GetInt32());
        foreach (var set in posts.GetProperty("episodes").EnumerateArray().Append(posts.GetProperty("season")))
        {
            // Cut at a sentence, and the sources' hashtags end it whole.
            var shortPost = set.GetProperty("short").GetString()!;
            Assert.True(TextLength.Count(shortPost) <= 300);
            Assert.Matches(@"DNS\.\n\n#homelab( #part\d)+$", shortPost);
            Assert.Matches(@"^A home lab story, told from my notes\.\n\n#homelab( #part\d)+$", set.GetProperty("medium").GetString());
        }

        // Asked again with the drafts unchanged: the same posts, shown without a model call; --again writes them anew.
        var prompts = _ollama.Prompts.Count;
        var shown = await CliJsonAsync("series", "posts", "my-home-lab", "--json");
        Assert.Equal(posts.ToString(), shown.ToString());
        Assert.Equal(prompts, _ollama.Prompts.Count);
        var rewritten = await CliJsonAsync("series", "posts", "my-home-lab", "--again", "--json");
        Assert.Equal(5 * 3 + 5, rewritten.GetProperty("modelCalls").GetInt32());
        Assert.Equal(prompts + 5 * 3 + 5, _ollama.Prompts.Count);

        // Export, then again: nothing changes the second time.
        var site = Folder("ccseries-site-");
        var exported = await CliJsonAsync("series", "export", "my-home-lab", "--to", site, "--format", "hugo", "--json");
        Assert.Equal(6, exported.GetProperty("written").GetArrayLength());
        var episodeFile = Directory.GetFiles(Path.Combine(site, "content", "posts", "my-home-lab"), "01-*.md").Single();
        var text = await File.ReadAllTextAsync(episodeFile);
        Assert.StartsWith("---\ntitle: ", text);
        Assert.Contains("series: \"my home lab\"\nepisode: 1\ndraft: true\n", text);
        Assert.Contains("> Extractive draft", text);
        var modified = File.GetLastWriteTimeUtc(episodeFile);
        var reexported = await CliJsonAsync("series", "export", "my-home-lab", "--to", site, "--format", "hugo", "--json");
        Assert.Equal(0, reexported.GetProperty("written").GetArrayLength());
        Assert.Equal(6, reexported.GetProperty("unchanged").GetArrayLength());
        Assert.Equal(modified, File.GetLastWriteTimeUtc(episodeFile));

        // GET ?after=VERSION&wait=S is a long poll: with nothing going on it answers when the wait is up; a job
        // that moves the series answers it at once.
        var version = (await _http.GetFromJsonAsync<JsonElement>("api/series/my-home-lab")).GetProperty("version").GetInt64();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var idle = await _http.GetFromJsonAsync<JsonElement>($"api/series/my-home-lab?after={version}&wait=1");
        Assert.Equal(version, idle.GetProperty("version").GetInt64());
        Assert.True(watch.Elapsed.TotalSeconds >= 0.9, $"answered after {watch.Elapsed.TotalSeconds:0.00} s");
        var waiting = _http.GetFromJsonAsync<JsonElement>($"api/series/my-home-lab?after={version}&wait=25");
        watch.Restart();
        using (var startedPosts = await _http.PostAsync("api/series/my-home-lab/posts?model=false", null))
        {
            Assert.True(startedPosts.IsSuccessStatusCode, await startedPosts.Content.ReadAsStringAsync());
        }
        var moved = await waiting;
        Assert.True(moved.GetProperty("version").GetInt64() > version);
        Assert.True(watch.Elapsed.TotalSeconds < 20, $"the long poll answered after {watch.Elapsed.TotalSeconds:0.0} s");
        while (moved.GetProperty("job").GetProperty("running").GetBoolean())
        {
            moved = await _http.GetFromJsonAsync<JsonElement>($"api/series/my-home-lab?after={moved.GetProperty("version").GetInt64()}&wait=10");
        }

        // Bad input: one line, and an exit code.
        var (replanCode, _, replanError) = await CliProcess.RunAsync(_silo.GatewayPort, ["series", "plan", "--topic", "My Home-Lab!", "--episodes", "2"]);
        Assert.Equal(1, replanCode);
        Assert.Contains("series 'my-home-lab' is already 'my home lab'", replanError);
        var (code, _, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["series", "draft", "no-such-series"]);
        Assert.Equal(1, code);
        Assert.Contains("series 'no-such-series' is not planned yet", error);
        (code, _, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["series", "export", "my-home-lab", "--to", site, "--format", "wordpress"]);
        Assert.Equal(1, code);
        Assert.Contains("export format 'wordpress' is not one of hugo, jekyll, obsidian", error);
        (code, _, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["series", "plan", "--topic", "quantum chromodynamics of gluons"]);
        Assert.Equal(1, code);
        Assert.Contains("an episode needs at least 3", error);
        using var missing = await _http.GetAsync("api/series/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Planned again with two episodes: the next export removes episodes 3 and 4 (and any renamed ones) from the site.
        await CliJsonAsync("series", "plan", "--topic", "my home lab", "--episodes", "2", "--replace", "--json");
        var shrunk = await CliJsonAsync("series", "export", "my-home-lab", "--to", site, "--format", "hugo", "--json");
        Assert.True(shrunk.GetProperty("removed").GetArrayLength() >= 2, shrunk.ToString());
        var left = Directory.GetFiles(Path.Combine(site, "content", "posts", "my-home-lab"), "0*.md").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(2, left.Count);
        Assert.All(left, name => Assert.Matches("^0[12]-", name));
    }

    private async Task<JsonElement> CliJsonAsync(params string[] args)
    {
        var (code, output, error) = await CliProcess.RunAsync(_silo.GatewayPort, args);
        Assert.True(code == 0, $"convocanvas {string.Join(' ', args)} failed ({code}): {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static string Shape(JsonElement plan) => string.Join("|", plan.GetProperty("episodes").EnumerateArray().Select(e =>
        $"{e.GetProperty("title").GetString()}:{string.Join(",", e.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("path").GetString()))}"));

    private string Folder(string prefix)
    {
        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        _folders.Add(folder);
        return folder;
    }
}
