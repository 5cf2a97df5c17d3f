using System.Net.Http.Json;
using System.Text.Json;
using ConvoCanvas.Content.Text;
using ConvoCanvas.Ingest.Tokens;
using ConvoCanvas.Integration.Tests.Persistence;
using ConvoCanvas.Testing;
using Xunit.Abstractions;

namespace ConvoCanvas.Integration.Tests.Content;

/// <summary>
/// The extractive paths of the content features on real third-party data (../shared/data, read in place): a real
/// Obsidian vault and real Claude.ai and Claude Code exports, on a silo with no Ollama at all, as on a machine without
/// a GPU. Ask answers from quotes, a series is planned, drafted, posted and exported, and a brief fits its window.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RealDataContentTests(PostgresServer server, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly PrivateChromaServer _chroma = new();
    private readonly string _site = Directory.CreateTempSubdirectory("ccreal-site-").FullName;
    private SiloProcess _silo = null!;
    private HttpClient _http = null!;

    private static string Shared(params string[] relative) =>
        Path.Combine([RepositoryPaths.SharedData ?? throw new InvalidOperationException("../shared/data is needed for this test"), .. relative]);

    public async Task InitializeAsync()
    {
        await _chroma.InitializeAsync();
        _silo = new SiloProcess(await server.CreateDatabaseAsync("realcontent")) { ChromaUrl = _chroma.Url.ToString().TrimEnd('/') };
        await _silo.StartAsync();
        _http = new HttpClient { BaseAddress = _silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _silo.DisposeAsync();
        await _chroma.DisposeAsync();
        try { Directory.Delete(_site, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Real_exports_and_a_real_vault_give_cited_answers_a_series_posts_and_a_brief_without_a_model()
    {
        var claudeAi = Shared("conversations", "claude-ai-osteele-claude-chat-viewer", "src", "data", "sampleConversations");
        var claudeCode = Shared("conversations", "claude-code-jsonl", "daaain-claude-code-log");
        var transcripts = Shared("conversations", "claude-code-jsonl", "simonw-claude-code-transcripts", "sample_session.jsonl");
        // And one or more real exports of every other kind: ChatGPT, LibreChat and Open WebUI.
        string[] others =
        [
            Shared("conversations", "librechat-import-fixtures", "chatgpt-export.json"),
            Shared("conversations", "librechat-import-fixtures", "chatgpt-tree.json"),
            Shared("conversations", "librechat-import-fixtures", "librechat-export.json"),
            Shared("conversations", "librechat-import-fixtures", "librechat-tree.json"),
            Shared("conversations", "librechat-import-fixtures-upstream", "openwebui-export.json"),
            Shared("conversations", "openwebui-importer-MIT", "examples", "webui-json.json"),
        ];
        var (code, imported, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["import", claudeAi, claudeCode, transcripts, .. others]);
        Assert.True(code == 0, error);
        output.WriteLine(imported);
        var conversations = JsonDocument.Parse(imported).RootElement.GetProperty("conversations").GetProperty("new").GetInt32();
        Assert.True(conversations >= 10, imported);
        await Vaults.AddAndWaitAsync(_http, "kepano", Shared("obsidian", "kepano-obsidian"), 20);
        await Vaults.AddAndWaitAsync(_http, "tasks", Shared("obsidian", "tasks-demo-vault"), 100);
        var notes = (await _http.GetFromJsonAsync<JsonElement>("api/vaults/kepano")).GetProperty("indexed").GetInt32()
            + (await _http.GetFromJsonAsync<JsonElement>("api/vaults/tasks")).GetProperty("indexed").GetInt32();
        await WaitIndexedAsync(notes + conversations);

        // Ask: no model here, so the answer quotes the evidence, and every [n] is a source it lists.
        var (askCode, askOutput, askError) = await CliProcess.RunAsync(_silo.GatewayPort, ["ask", "--json", "How should I write and debug Python functions?"]);
        Assert.True(askCode == 0, askError);
        using (var ask = JsonDocument.Parse(askOutput))
        {
            output.WriteLine(askOutput);
            var answer = ask.RootElement.GetProperty("answer").GetString()!;
            Assert.Equal("extractive", ask.RootElement.GetProperty("kind").GetString());
            var listed = ask.RootElement.GetProperty("citations").EnumerateArray().Select(c => c.GetProperty("n").GetInt32()).ToHashSet();
            Assert.NotEmpty(listed);
            var cited = System.Text.RegularExpressions.Regex.Matches(answer, @"\[(\d+)\]").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.NotEmpty(cited);
            Assert.All(cited, n => Assert.Contains(n, listed));
        }

        // Ask one vault: every citation is a note of that vault, at a path that exists in the folder.
        var tasks = await CliJsonAsync("ask", "--json", "--vault", "tasks", "How do I filter tasks by due date?");
        output.WriteLine(tasks.ToString());
        var taskCitations = tasks.GetProperty("citations").EnumerateArray().ToList();
        Assert.NotEmpty(taskCitations);
        Assert.All(taskCitations, c =>
        {
            Assert.Equal("tasks", c.GetProperty("vault").GetString());
            Assert.True(File.Exists(Path.Combine(Shared("obsidian", "tasks-demo-vault"), c.GetProperty("path").GetString()!)), c.ToString());
        });

        // A series over the conversations about code: two episodes in time order, three sources or more each.
        var plan = await CliJsonAsync("series", "plan", "--topic", "python code debugging", "--episodes", "2", "--json");
        output.WriteLine(plan.ToString());
        var episodes = plan.GetProperty("episodes").EnumerateArray().ToList();
        Assert.Equal(2, episodes.Count);
        Assert.All(episodes, e => Assert.True(e.GetProperty("sources").GetArrayLength() >= 3));
        Assert.True(episodes[0].GetProperty("to").GetDateTimeOffset() <= episodes[1].GetProperty("from").GetDateTimeOffset());
        var planned = episodes.SelectMany(e => e.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("path").GetString())).ToHashSet();

        var draft = await CliJsonAsync("series", "draft", "python-code-debugging", "--no-model", "--json");
        foreach (var episode in draft.GetProperty("episodes").EnumerateArray())
        {
            Assert.Equal("extractive", episode.GetProperty("kind").GetString());
            var markdown = episode.GetProperty("markdown").GetString()!;
            var citations = episode.GetProperty("citations").EnumerateArray().ToList();
            Assert.True(citations.Count >= 3, markdown);
            Assert.All(citations, c => Assert.Contains(c.GetProperty("path").GetString(), planned));
            Assert.All(citations, c => Assert.Contains($"[^{c.GetProperty("n").GetInt32()}]:", markdown));
        }

        var posts = await CliJsonAsync("series", "posts", "python-code-debugging", "--no-model", "--json");
        foreach (var set in posts.GetProperty("episodes").EnumerateArray().Append(posts.GetProperty("season")))
        {
            Assert.InRange(TextLength.Count(set.GetProperty("short").GetString()!), 1, 300);
            Assert.InRange(TextLength.Count(set.GetProperty("medium").GetString()!), 1, 1_000);
            Assert.InRange(TextLength.Count(set.GetProperty("long").GetString()!), 1, 3_000);
        }

        var exported = await CliJsonAsync("series", "export", "python-code-debugging", "--to", _site, "--format", "obsidian", "--json");
        Assert.Equal(4, exported.GetProperty("written").GetArrayLength());
        Assert.All(exported.GetProperty("written").EnumerateArray(), p => Assert.True(File.Exists(Path.Combine(_site, p.GetString()!))));

        // The longest real conversation of each export kind, briefed into 1,000 tokens, then into 256.
        foreach (var source in new[] { "claude-ai", "claude-code", "chatgpt", "librechat", "openwebui" })
        {
            var list = await _http.GetFromJsonAsync<JsonElement>($"api/conversations?source={source}&limit=100");
            var longest = list.GetProperty("items").EnumerateArray().OrderByDescending(c => c.GetProperty("messageCount").GetInt32()).FirstOrDefault();
            Assert.True(longest.ValueKind == JsonValueKind.Object, $"no {source} conversation was imported: {imported}");
            foreach (var window in new[] { 1_000, 256 })
            {
                var brief = await CliJsonAsync("conversations", "brief", longest.GetProperty("id").GetString()!, "--window", window.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
                Assert.Equal("extractive", brief.GetProperty("kind").GetString());
                var briefText = brief.GetProperty("markdown").GetString()!;
                Assert.True(TokenCounter.Default.Count(briefText) <= window, $"{source}: {TokenCounter.Default.Count(briefText)} tokens over {window}");
                Assert.StartsWith("# Continuing: ", briefText);
            }
        }
    }

    /// <summary>Until the index holds every note and conversation and nothing is pending.</summary>
    private async Task WaitIndexedAsync(int sources)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (await _http.GetFromJsonAsync<JsonElement>("api/search/stats") is var stats
            && (stats.GetProperty("pending").GetInt32() > 0 || stats.GetProperty("sources").GetInt64() < sources))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{sources} sources were not indexed in 120 s: {stats}");
            await Task.Delay(500);
        }
    }

    private async Task<JsonElement> CliJsonAsync(params string[] args)
    {
        var (code, text, error) = await CliProcess.RunAsync(_silo.GatewayPort, args);
        Assert.True(code == 0, $"convocanvas {string.Join(' ', args)} failed ({code}): {error}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
