using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConvoCanvas.Content.Series;
using ConvoCanvas.Inference.Catalogue;
using ConvoCanvas.Ingest.Vault;
using ConvoCanvas.Search.Embeddings;
using ConvoCanvas.Search.Index;
using ConvoCanvas.Testing.Ollama;

namespace ConvoCanvas.Benchmarks;

/// <summary>
/// <c>./scripts/bench.sh content</c>: a vault of at least 25,000 chunks (the docs corpus, each file given a
/// date a day apart, since series are timelines) indexed through the running silo; then series planned
/// from it over HTTP, an 8-episode series drafted extractively and exported, and drafted again by the
/// Ollama emulator (the shipped RTX 4080 catalogue, listening on the port the silo was told) to count model
/// calls and tokens. Appends its figures to RESULTS.md.
/// </summary>
internal static class ContentBenchmark
{
    private static readonly string[] Parts =
    [
        "docs-corpus/kubernetes-website/content/en/docs",
        "docs-corpus/tldr-pages/pages",
        "docs-corpus/powershell-docs/reference",
    ];

    private static readonly string[] Topics =
    [
        "kubernetes networking and services",
        "storage volumes and persistent claims",
        "scheduling pods onto nodes",
        "powershell remoting",
        "compressing and archiving files",
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        var corpus = Arg("--corpus", "");
        var vaultDir = Arg("--vault", "");
        var baseUrl = new Uri(Arg("--url", "http://127.0.0.1:5080/"));
        var ollamaPort = int.Parse(Arg("--ollama-port", "0"), CultureInfo.InvariantCulture);
        var catalogueFile = Arg("--catalogue", "");
        var minChunks = int.Parse(Arg("--chunks", "25000"), CultureInfo.InvariantCulture);
        var runs = int.Parse(Arg("--runs", "3"), CultureInfo.InvariantCulture);
        var results = Arg("--results", "");
        var report = new StringBuilder();
        void Say(string line)
        {
            Console.Error.WriteLine(line);
            report.AppendLine("- " + line);
        }

        // The model: the emulator, with the shipped catalogue's speeds, on the port the silo looks at.
        var catalogue = ModelCatalogue.Load(catalogueFile);
        await using var ollama = new OllamaEmulator(catalogue.Models.Select(m => new EmulatedModel
        {
            Name = m.Name,
            FileBytes = m.FileBytes,
            KvBytesPerToken = m.KvBytesPerToken,
            LoadSeconds = m.LoadSeconds,
            PromptTokensPerSecond = m.PromptTokensPerSecond,
            TokensPerSecond = Math.Max(1, m.TokensPerSecond),
            EmbeddingDimensions = m.TokensPerSecond <= 0 ? 768 : 0,
        }), new OllamaEmulatorOptions { Port = ollamaPort, TimeScale = 0.001, VramBytes = catalogue.Gpu.VramBytes });
        ollama.Reply = (_, prompt) => prompt.Contains("Write this episode", StringComparison.Ordinal) ? DraftReply() : null;
        await ollama.StartAsync();

        // 1. A dated vault: docs files in a fixed order until the chunks suffice, each with a date a day apart.
        using var embedder = new MiniLmEmbedder();
        var chunker = new SourceChunker(embedder);
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var files = 0;
        var chunks = 0;
        if (Directory.Exists(vaultDir))
        {
            Directory.Delete(vaultDir, recursive: true);
        }
        foreach (var file in Parts.SelectMany(part => Directory.EnumerateFiles(Path.Combine(corpus, part), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal)))
        {
            if (chunks >= minChunks)
            {
                break;
            }
            var relative = Path.GetRelativePath(corpus, file).Replace('\\', '/');
            var body = StripFrontMatter(File.ReadAllText(file));
            var dated = $"---\ndate: {start.AddHours(files * 6).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}\n---\n{body}";
            VaultNote parsed;
            try
            {
                parsed = VaultNoteParser.Parse(relative, Encoding.UTF8.GetBytes(dated));
            }
            catch (VaultFileException)
            {
                continue;
            }
            var target = Path.Combine(vaultDir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, dated);
            chunks += chunker.Note("docs", parsed).Chunks.Count;
            files++;
        }
        Say($"vault: {files:N0} docs-corpus files, {chunks:N0} chunks, dated 6 hours apart from {start:yyyy-MM-dd}");

        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(10) };
        var indexWatch = Stopwatch.StartNew();
        using (var add = await http.PostAsJsonAsync("api/vaults", new { name = "docs", path = vaultDir }))
        {
            if (!add.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"adding the vault failed: {await add.Content.ReadAsStringAsync()}");
            }
        }
        while ((await http.GetFromJsonAsync<JsonElement>("api/vaults/docs")).GetProperty("indexPending").GetInt32() > 0)
        {
            await Task.Delay(1_000);
        }
        var stats = await http.GetFromJsonAsync<JsonElement>("api/search/stats");
        Say($"indexed through the silo in {indexWatch.Elapsed.TotalSeconds:F0} s: {stats.GetProperty("chunks").GetInt64():N0} chunks");

        // 2. Planning: five topics, 8 episodes each, several runs (the first of each warms nothing: every topic differs).
        var planTimes = new List<double>();
        string? slug = null;
        for (var run = 0; run < runs; run++)
        {
            foreach (var topic in Topics)
            {
                var watch = Stopwatch.StartNew();
                using var response = await http.PostAsJsonAsync("api/series", new { topic = run == 0 ? topic : $"{topic} {run}", episodes = 8, replace = true });
                var body = await response.Content.ReadAsStringAsync();
                watch.Stop();
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"planning '{topic}' failed: {body}");
                }
                planTimes.Add(watch.Elapsed.TotalMilliseconds);
                slug ??= JsonDocument.Parse(body).RootElement.GetProperty("slug").GetString();
            }
        }
        var view = await http.GetFromJsonAsync<JsonElement>($"api/series/{slug}");
        var sources = view.GetProperty("plan").GetProperty("episodes").EnumerateArray().Sum(e => e.GetProperty("sources").GetArrayLength());
        Say($"plan over HTTP, 8 episodes, {planTimes.Count} plans of {Topics.Length} topics: p50 {Percentile(planTimes, 50):F0} ms, max {planTimes.Max():F0} ms (target ≤ 5,000 ms); '{slug}': {sources} sources");

        // 3. Extractive drafts of the 8 episodes (the job through the silo), and in process.
        var extractive = await DraftAsync(http, slug!, useModel: false);
        Say($"extractive draft of 8 episodes through the silo: {extractive.Seconds * 1000:F0} ms, {extractive.Seconds * 1000 / 8:F0} ms per episode (target ≤ 1,000 ms per episode)");
        var plan = view.GetProperty("plan").Deserialize<SeriesPlan>(Json)!;
        var inProcess = Stopwatch.StartNew();
        var drafts = plan.Episodes.ToDictionary(e => e.Number, e => EpisodeWriter.Extractive(plan, e, 1, DateTimeOffset.UtcNow));
        inProcess.Stop();
        Say($"extractive draft in process: {inProcess.Elapsed.TotalMilliseconds / 8:F2} ms per episode");

        // 4. Export with the posts: the files over HTTP and written into a folder (first time, then again: all unchanged), and in process.
        var posted = await JobAsync(http, slug!, "posts", () => http.PostAsync($"api/series/{slug}/posts?model=false", null));
        Say($"extractive posts of the season and 8 episodes through the silo: {posted.Seconds * 1000:F0} ms");
        var exportTimes = new List<double>();
        var folderTimes = new List<double>();
        var againTimes = new List<double>();
        var fileCount = 0;
        for (var run = 0; run < 5; run++)
        {
            var site = Directory.CreateTempSubdirectory("convocanvas-bench-site-").FullName;
            try
            {
                var watch = Stopwatch.StartNew();
                var exportFiles = (await http.GetFromJsonAsync<List<ExportFile>>($"api/series/{slug}/export?format=hugo", Json))!;
                exportTimes.Add(watch.Elapsed.TotalMilliseconds);
                var first = await ExportFolder.WriteAsync(site, slug!, "hugo", exportFiles);
                folderTimes.Add(watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                var again = await ExportFolder.WriteAsync(site, slug!, "hugo", (await http.GetFromJsonAsync<List<ExportFile>>($"api/series/{slug}/export?format=hugo", Json))!);
                againTimes.Add(watch.Elapsed.TotalMilliseconds);
                if (again.Unchanged.Count != exportFiles.Count || first.Written.Count != exportFiles.Count)
                {
                    throw new InvalidOperationException($"export wrote {first.Written.Count} of {exportFiles.Count} files, then found {again.Unchanged.Count} unchanged");
                }
                fileCount = exportFiles.Count;
            }
            finally
            {
                Directory.Delete(site, recursive: true);
            }
        }
        var seriesPosts = (await http.GetFromJsonAsync<JsonElement>($"api/series/{slug}")).GetProperty("posts").Deserialize<SeriesPosts>(Json);
        var exportWatch = Stopwatch.StartNew();
        var exported = SeriesExport.Files(plan, drafts, seriesPosts, "hugo");
        exportWatch.Stop();
        Say($"export of the 8-episode series with its posts, hugo, {fileCount} files, 5 runs: files over HTTP p50 {Percentile(exportTimes, 50):F0} ms; over HTTP and written into a new folder p50 {Percentile(folderTimes, 50):F0} ms, max {folderTimes.Max():F0} ms (target ≤ 1,000 ms); again, all unchanged, p50 {Percentile(againTimes, 50):F0} ms; in process {exportWatch.Elapsed.TotalMilliseconds:F2} ms ({exported.Count} files)");

        // 5. A model's draft of the 8 episodes through the router and the GPU scheduler, against the emulator.
        var model = await DraftAsync(http, slug!, useModel: true);
        var served = ollama.Prompts.Count(p => p.Prompt.Contains("Write this episode", StringComparison.Ordinal));
        Say($"model draft of 8 episodes (emulator, time scale 0.001): {model.ModelCalls} model calls ({served} reached the emulator), {model.PromptTokens:N0} prompt tokens, {model.OutputTokens:N0} output tokens");
        if (catalogue.Models.FirstOrDefault(m => ollama.Prompts.Any(p => p.Model == m.Name)) is { } used)
        {
            var seconds = model.PromptTokens / used.PromptTokensPerSecond + model.OutputTokens / used.TokensPerSecond + used.LoadSeconds;
            Say($"the same on the RTX 4080 with {used.Name} ({used.TokensPerSecond:F0} tokens/s, {used.PromptTokensPerSecond:N0} prompt tokens/s, {used.LoadSeconds:F1} s load): about {seconds:F0} s");
        }

        var heading = $"### Content benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n\n- machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}\n- command: `./scripts/bench.sh content`\n";
        Console.WriteLine(heading + report);
        if (results.Length > 0)
        {
            await File.AppendAllTextAsync(results, "\n" + heading + report);
        }
        return 0;
    }

    private sealed record DraftRun(double Seconds, int ModelCalls, int PromptTokens, int OutputTokens);

    private static Task<DraftRun> DraftAsync(HttpClient http, string slug, bool useModel) =>
        JobAsync(http, slug, "drafting", () => http.PostAsJsonAsync($"api/series/{slug}/draft", new { useModel }));

    /// <summary>Starts a series job and follows it to its end by long polls (the series' version), timing it.</summary>
    private static async Task<DraftRun> JobAsync(HttpClient http, string slug, string what, Func<Task<HttpResponseMessage>> start)
    {
        var version = (await http.GetFromJsonAsync<JsonElement>($"api/series/{slug}")).GetProperty("version").GetInt64();
        var watch = Stopwatch.StartNew();
        using (var started = await start())
        {
            if (!started.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{what} failed to start: {await started.Content.ReadAsStringAsync()}");
            }
        }
        while (true)
        {
            var view = await http.GetFromJsonAsync<JsonElement>($"api/series/{slug}?after={version}&wait=10");
            version = view.GetProperty("version").GetInt64();
            var job = view.GetProperty("job");
            if (!job.GetProperty("running").GetBoolean())
            {
                if (job.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                {
                    throw new InvalidOperationException($"{what} failed: {error.GetString()}");
                }
                return new DraftRun(watch.Elapsed.TotalSeconds, job.GetProperty("modelCalls").GetInt32(), job.GetProperty("promptTokens").GetInt32(), job.GetProperty("outputTokens").GetInt32());
            }
        }
    }

    /// <summary>A draft of about 600 words in the shape a model writes, citing the first sources.</summary>
    private static string DraftReply()
    {
        var text = new StringBuilder();
        for (var section = 0; section < 4; section++)
        {
            text.Append("## Part ").Append(section + 1).Append("\n\n");
            for (var sentence = 0; sentence < 10; sentence++)
            {
                text.Append("This part of the story shows what the notes recorded that week and why it mattered later ")
                    .Append('[').Append(sentence % 3 + 1).Append("]. ");
            }
            text.Append("\n\n");
        }
        return text.ToString();
    }

    private static string StripFrontMatter(string text)
    {
        if (!text.StartsWith("---", StringComparison.Ordinal))
        {
            return text;
        }
        var end = text.IndexOf("\n---", 3, StringComparison.Ordinal);
        return end < 0 ? text : text[(text.IndexOf('\n', end + 4) is var next and >= 0 ? next + 1 : text.Length)..];
    }

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
