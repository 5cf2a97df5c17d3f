using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Abstractions.Client;
using ConvoCanvas.Ingest.Import;
using ConvoCanvas.Ingest.Vault;
using ConvoCanvas.Integration.Tests.Persistence;
using ConvoCanvas.Integration.Tests.Silo;
using ConvoCanvas.Search.Embeddings;
using ConvoCanvas.Search.Index;
using ConvoCanvas.Testing;
using Xunit.Abstractions;

namespace ConvoCanvas.Integration.Tests.Search;

/// <summary>
/// The index kept in step with the grains by the real silo, on real PostgreSQL and a private
/// ChromaDB: through the streams, across kill -9, across a ChromaDB outage, and on re-import.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SearchSyncTests(PostgresServer server, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly PrivateChromaServer _chroma = new();
    private readonly List<string> _folders = [];

    public Task InitializeAsync() => _chroma.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _chroma.DisposeAsync();
        foreach (var folder in _folders)
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Vault_notes_are_indexed_through_the_streams_and_edits_and_deletes_follow_within_seconds()
    {
        var vault = NewVault(Enumerable.Range(0, 12).Select(i => ($"topic-{i}.md", Note(i))).Append(("lighthouse.md", "# Lighthouses\n\nThe keeper trimmed the lamp wick every evening at dusk.")));
        await using var silo = await StartSiloAsync("search_streams");
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        await AddVaultAsync(http, "notes", vault);
        await WaitIndexedAsync(http, "notes", TimeSpan.FromSeconds(90));

        var hits = await SearchAsync(http, "who looked after the light at sunset");
        Assert.Equal("lighthouse.md", hits[0].GetProperty("path").GetString());

        var stopwatch = Stopwatch.StartNew();
        await File.WriteAllTextAsync(Path.Combine(vault, "topic-3.md"), "# Topic 3\n\nNow it is about the zanzibar archipelago and its spice trade.");
        await WaitUntilAsync(async () => (await SearchAsync(http, "zanzibar", "keyword")).Any(h => h.GetProperty("path").GetString() == "topic-3.md"), TimeSpan.FromSeconds(30), "the edit to become searchable");
        output.WriteLine($"edit searchable after {stopwatch.ElapsedMilliseconds} ms");

        File.Delete(Path.Combine(vault, "lighthouse.md"));
        await WaitUntilAsync(async () => (await SearchAsync(http, "keeper trimmed the lamp wick", "keyword")).All(h => h.GetProperty("path").GetString() != "lighthouse.md"), TimeSpan.FromSeconds(30), "the deleted note to leave the index");
        await AssertConvergedAsync(http, vault);

        // The source grain heard back from the indexer.
        await using var client = await OrleansGatewayClient.ConnectAsync(silo.GatewayPort);
        var ack = await client.Client.GetGrain<IVaultDocumentGrain>("notes/topic-3.md").GetIndexAsync();
        Assert.NotNull(ack);
        Assert.Equal(IndexStatuses.Indexed, ack.Status);
    }

    [Fact]
    public async Task Kill_9_in_the_middle_of_indexing_then_restart_converges_to_the_expected_chunks_without_duplicates()
    {
        var shared = RepositoryPaths.SharedData ?? throw new InvalidOperationException("../shared/data is needed for this test");
        var vault = CopyVault(Path.Combine(shared, "obsidian", "tasks-demo-vault"));
        await using var silo = await StartSiloAsync("search_kill9");
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        await AddVaultAsync(http, "tasks", vault);

        // Wait until indexing is under way, not finished, then pull the plug.
        await WaitUntilAsync(async () => (await StatsAsync(http)).GetProperty("chunks").GetInt64() > 0, TimeSpan.FromSeconds(60), "indexing to start");
        var status = await VaultAsync(http, "tasks");
        output.WriteLine($"killing with {status.GetProperty("indexed").GetInt32()} indexed, {status.GetProperty("indexPending").GetInt32()} pending");
        Assert.True(status.GetProperty("indexPending").GetInt32() > 0, "indexing finished before the kill; the test needs a bigger vault");
        await silo.KillAsync();

        await silo.StartAsync();
        await WaitIndexedAsync(http, "tasks", TimeSpan.FromSeconds(240), silo);
        await AssertConvergedAsync(http, vault);
    }

    [Fact]
    public async Task With_ChromaDB_stopped_while_notes_are_edited_and_deleted_the_index_converges_once_it_is_back()
    {
        var vault = NewVault(Enumerable.Range(0, 10).Select(i => ($"n{i}.md", Note(i))));
        await using var silo = await StartSiloAsync("search_outage");
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        await AddVaultAsync(http, "outage", vault);
        await WaitIndexedAsync(http, "outage", TimeSpan.FromSeconds(90));

        await _chroma.StopAsync();
        await File.WriteAllTextAsync(Path.Combine(vault, "n1.md"), "# N1\n\nRewritten during the outage: quokkas on Rottnest island.");
        await File.WriteAllTextAsync(Path.Combine(vault, "n2.md"), "# N2\n\nAlso rewritten: the marimba orchestra rehearses on Thursdays.");
        File.Delete(Path.Combine(vault, "n3.md"));
        File.Delete(Path.Combine(vault, "n4.md"));
        await File.WriteAllTextAsync(Path.Combine(vault, "new.md"), "# New\n\nWritten while ChromaDB was down, about glaciers calving.");
        await WaitUntilAsync(async () => (await VaultAsync(http, "outage")).GetProperty("documents").GetInt32() == 9, TimeSpan.FromSeconds(30), "the vault to see the changes");

        // Search still answers, from keywords, and says it is partial.
        var partial = await http.GetFromJsonAsync<JsonElement>("api/search?q=quokkas");
        Assert.True(partial.GetProperty("partial").GetBoolean());
        // The indexer has tried the edits against the stopped ChromaDB and recorded the failure.
        await WaitUntilAsync(async () => (await VaultAsync(http, "outage")).GetProperty("indexFailed").GetInt32() > 0, TimeSpan.FromSeconds(30), "the indexer to report the outage");

        await _chroma.StartAsync();
        await WaitIndexedAsync(http, "outage", TimeSpan.FromSeconds(120));
        await AssertConvergedAsync(http, vault);
        Assert.Equal("n1.md", (await SearchAsync(http, "quokkas rottnest")).First().GetProperty("path").GetString());
        Assert.DoesNotContain(await SearchAsync(http, "topic three", "keyword"), h => h.GetProperty("path").GetString() == "n3.md");
    }

    [Fact]
    public async Task Switching_embedders_re_embeds_into_a_new_collection_and_deletes_the_old_one_when_done()
    {
        var vault = NewVault(Enumerable.Range(0, 12).Select(i => ($"topic-{i}.md", Note(i))).Append(("lighthouse.md", "# Lighthouses\n\nThe keeper trimmed the lamp wick every evening at dusk.")));
        await using var silo = await StartSiloAsync("search_switch");
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        await AddVaultAsync(http, "notes", vault);
        await WaitIndexedAsync(http, "notes", TimeSpan.FromSeconds(90));
        var before = await StatsAsync(http);
        Assert.Equal("convocanvas-minilm-l6-v2-384", before.GetProperty("collection").GetString());

        // Restart with MiniLM cut at 128 word-pieces: another embedder, another collection.
        await silo.StopAsync();
        silo.Settings["ConvoCanvas__Search__MiniLmMaxTokens"] = "128";
        await silo.StartAsync();
        var during = await StatsAsync(http);
        output.WriteLine($"after the restart: {during}");
        Assert.Equal("minilm-l6-v2-t128", during.GetProperty("embedder").GetString());
        Assert.Equal("lighthouse.md", (await SearchAsync(http, "who looked after the light at sunset")).First().GetProperty("path").GetString());

        JsonElement stats = default;
        await WaitUntilAsync(async () =>
        {
            stats = await StatsAsync(http);
            // The switch is over when the new embedder answers and the switch has cleaned up after itself (the
            // serving embedder changes a moment before the old collection is gone and the switch is cleared).
            return stats.GetProperty("servingEmbedder").GetString() == "minilm-l6-v2-t128" && stats.GetProperty("switch").ValueKind == JsonValueKind.Null;
        }, TimeSpan.FromSeconds(120), "the new embedder to answer searches and the switch to finish", () => stats.ToString());
        Assert.Equal("convocanvas-minilm-l6-v2-t128-384", stats.GetProperty("collection").GetString());
        await AssertConvergedAsync(http, vault, new MiniLmOptions { MaxTokens = 128 });
        var chroma = new ConvoCanvas.Search.Chroma.ChromaClient(new HttpClient { BaseAddress = _chroma.Url });
        Assert.Null(await chroma.GetCollectionAsync("convocanvas-minilm-l6-v2-384"));
        Assert.Equal("lighthouse.md", (await SearchAsync(http, "who looked after the light at sunset")).First().GetProperty("path").GetString());
    }

    [Fact]
    public async Task Imported_conversations_are_searchable_and_re_import_adds_no_vectors()
    {
        await using var silo = await StartSiloAsync("search_reimport");
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        ImportSummary first;
        await using (var client = await OrleansGatewayClient.ConnectAsync(silo.GatewayPort))
        {
            first = await new ImportRunner(client.Client).RunAsync(ImportSource.Of("fixtures", new ExportReader().Read([fixtures])));
        }
        await WaitUntilAsync(async () =>
        {
            var stats = await StatsAsync(http);
            return stats.GetProperty("pending").GetInt32() == 0 && stats.GetProperty("sources").GetInt64() >= first.New;
        }, TimeSpan.FromSeconds(90), "the imported conversations to be indexed");
        var before = await StatsAsync(http);
        Assert.Equal(before.GetProperty("chunks").GetInt64(), before.GetProperty("vectors").GetInt64());

        await using (var client = await OrleansGatewayClient.ConnectAsync(silo.GatewayPort))
        {
            var again = await new ImportRunner(client.Client).RunAsync(ImportSource.Of("fixtures", new ExportReader().Read([fixtures])));
            Assert.Equal(0, again.New + again.Updated);
        }
        // An unchanged re-import publishes nothing; reconciliation confirms there is nothing to redo.
        var reconcile = await http.PostAsync("api/search/reconcile", null);
        Assert.True(reconcile.IsSuccessStatusCode, await reconcile.Content.ReadAsStringAsync());
        var report = await reconcile.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, report.GetProperty("reindexed").GetInt32());
        var after = await StatsAsync(http);
        Assert.Equal(before.GetProperty("vectors").GetInt64(), after.GetProperty("vectors").GetInt64());
        Assert.Equal(before.GetProperty("chunks").GetInt64(), after.GetProperty("chunks").GetInt64());

        var any = await http.GetFromJsonAsync<JsonElement>("api/search?q=hello&kind=conversation");
        Assert.All(any.GetProperty("hits").EnumerateArray(), h => Assert.Equal("conversation", h.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task The_search_api_rejects_bad_requests_with_clear_messages()
    {
        await using var silo = await StartSiloAsync("search_bad");
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        foreach (var (query, expected) in new[]
        {
            ("api/search?q=", "empty"),
            ("api/search?q=x&colour=red", "unknown search parameter 'colour'"),
            ("api/search?q=x&since=yesterday", "since must be a date"),
            ("api/search?q=x&kind=email", "unknown kind 'email'"),
            ("api/search?q=x&k=1000", "limit must be between"),
            ("api/search?q=x&keywordWeight=heavy", "keywordWeight must be a number"),
            ("api/search?q=x&keywordWeight=9", "keywordWeight must be between 0 and 4"),
        })
        {
            using var response = await http.GetAsync(query);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(expected, body, StringComparison.Ordinal);
        }
        var huge = await http.GetAsync("api/search?q=" + new string('a', 10_000));
        Assert.True(huge.IsSuccessStatusCode, await huge.Content.ReadAsStringAsync());
        var ready = await http.GetFromJsonAsync<JsonElement>("health/ready");
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("chromadb").GetProperty("status").GetString());
    }

    private async Task<SiloProcess> StartSiloAsync(string database)
    {
        var silo = new SiloProcess(await server.CreateDatabaseAsync(database)) { ChromaUrl = _chroma.Url.ToString().TrimEnd('/') };
        silo.Settings["ConvoCanvas__Vaults__WatchDebounce"] = "00:00:00.300";
        await silo.StartAsync();
        return silo;
    }

    /// <summary>The index holds exactly the chunks the vault's files make now: PostgreSQL and ChromaDB agree, nothing pending.</summary>
    private async Task AssertConvergedAsync(HttpClient http, string vault, MiniLmOptions? embedderOptions = null)
    {
        using var embedder = new MiniLmEmbedder(embedderOptions);
        var chunker = new SourceChunker(embedder);
        var expected = 0L;
        foreach (var entry in new VaultScanner().Scan(vault))
        {
            if (entry.Note is { } note)
            {
                expected += chunker.Note("v", note).Chunks.Count;
            }
        }
        JsonElement stats = default;
        await WaitUntilAsync(async () =>
        {
            stats = await StatsAsync(http);
            return stats.GetProperty("pending").GetInt32() == 0 && stats.GetProperty("chunks").GetInt64() == expected && stats.GetProperty("vectors").GetInt64() == expected;
        }, TimeSpan.FromSeconds(60), $"{expected} chunks in both stores", () => stats.ToString());
    }

    private static async Task AddVaultAsync(HttpClient http, string name, string path)
    {
        using var response = await http.PostAsJsonAsync("api/vaults", new { name, path });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task WaitIndexedAsync(HttpClient http, string vault, TimeSpan timeout, SiloProcess? silo = null)
    {
        JsonElement status = default;
        await WaitUntilAsync(async () =>
        {
            status = await VaultAsync(http, vault);
            return status.GetProperty("indexPending").GetInt32() == 0;
        }, timeout, $"vault {vault} to be indexed", () => $"indexed {status.GetProperty("indexed")}, pending {status.GetProperty("indexPending")}, failed {status.GetProperty("indexFailed")}"
            + $"; still pending: {string.Join(", ", status.GetProperty("files").EnumerateArray().Where(f => f.GetProperty("indexStatus").GetString() == "pending").Select(f => f.GetProperty("path").GetString()).Take(5))}"
            + (silo is null ? "" : $"\nsilo warnings:\n{Warnings(silo.Log)}"));
    }

    /// <summary>The silo's warnings and errors with the lines that follow them, for failure messages.</summary>
    private static string Warnings(string log)
    {
        var lines = log.Split('\n');
        var picked = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("warn:", StringComparison.Ordinal) || lines[i].StartsWith("fail:", StringComparison.Ordinal))
            {
                picked.AddRange(lines.Skip(i).Take(4));
            }
        }
        return string.Join('\n', picked.TakeLast(60));
    }

    private static Task<JsonElement> VaultAsync(HttpClient http, string name) => http.GetFromJsonAsync<JsonElement>($"api/vaults/{name}");

    private static Task<JsonElement> StatsAsync(HttpClient http) => http.GetFromJsonAsync<JsonElement>("api/search/stats");

    private static async Task<List<JsonElement>> SearchAsync(HttpClient http, string q, string mode = "hybrid")
    {
        var response = await http.GetFromJsonAsync<JsonElement>($"api/search?q={Uri.EscapeDataString(q)}&mode={mode}");
        return response.GetProperty("hits").EnumerateArray().ToList();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:N0} s for {what}{(state is null ? "" : ": " + state())}");
            }
            await Task.Delay(200);
        }
    }

    private string NewVault(IEnumerable<(string Path, string Text)> files)
    {
        var folder = Directory.CreateTempSubdirectory("ccvault-").FullName;
        _folders.Add(folder);
        foreach (var (path, text) in files)
        {
            File.WriteAllText(Path.Combine(folder, path), text);
        }
        return folder;
    }

    private string CopyVault(string source)
    {
        var folder = Directory.CreateTempSubdirectory("ccvault-").FullName;
        _folders.Add(folder);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return folder;
    }

    private static string Note(int i) =>
        $"# Topic {i}\n\nNotes on topic {NumberWords[i % NumberWords.Length]}: " + string.Join(' ', Enumerable.Range(0, 40).Select(w => $"term{(i * 13 + w) % 50}"));

    private static readonly string[] NumberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"];
}
