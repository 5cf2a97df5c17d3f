using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConvoCanvas.Integration.Tests.Persistence;
using ConvoCanvas.Testing;
using ConvoCanvas.Testing.Ollama;

namespace ConvoCanvas.Integration.Tests.Content;

/// <summary>
/// Questions answered from a vault with citations, as a user meets it: the real silo with real search
/// (PostgreSQL, ChromaDB, the MiniLM embedder) and the REST API, the model played by the Ollama
/// emulator with scripted answers whose citations are partly made up.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class AskEndToEndTests(PostgresServer server) : IAsyncLifetime
{
    private readonly PrivateChromaServer _chroma = new();
    private readonly OllamaEmulator _ollama = new(
        [new EmulatedModel { Name = "llama3.1:8b", FileBytes = 4_900_000_000, LoadSeconds = 2.5, TokensPerSecond = 100 }],
        new OllamaEmulatorOptions { TimeScale = 0.01 });
    private string _vault = "";
    private SiloProcess _silo = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        await _chroma.InitializeAsync();
        await _ollama.StartAsync();
        _vault = Directory.CreateTempSubdirectory("ccask-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_vault, "lighthouse.md"), "# Lighthouses\n\n## The keeper\n\nThe keeper trimmed the lamp wick every evening at dusk, and logged the weather at midnight.");
        await File.WriteAllTextAsync(Path.Combine(_vault, "bread.md"), "# Sourdough\n\nFeed the starter twice a day; bake when it doubles within six hours.");
        await File.WriteAllTextAsync(Path.Combine(_vault, "orleans.md"), "# Orleans\n\nGrains are virtual actors: the runtime activates them on demand and keeps their state in PostgreSQL.");
        _silo = new SiloProcess(await server.CreateDatabaseAsync("ask")) { ChromaUrl = _chroma.Url.ToString().TrimEnd('/') };
        _silo.Settings["CONVOCANVAS_OLLAMA"] = _ollama.Address.ToString();
        await _silo.StartAsync();
        _http = new HttpClient { BaseAddress = _silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await Vaults.AddAndWaitAsync(_http, "notes", _vault, 3);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _silo.DisposeAsync();
        await _ollama.DisposeAsync();
        await _chroma.DisposeAsync();
        try { Directory.Delete(_vault, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task An_answer_streams_with_its_citations_checked_nothing_found_means_no_guess_and_without_a_model_the_evidence_is_quoted()
    {
        // The model cites the lighthouse note by its number in the prompt, and makes up [9].
        _ollama.Reply = (_, prompt) => $"The keeper trimmed the wick at dusk [{LighthouseNumber().Match(prompt).Groups[1].Value}]. He also painted the tower red [9].";
        var events = await AskAsync(new { question = "When did the keeper trim the lamp wick?" });
        Assert.Equal("evidence", events[0].Event);
        var evidence = events[0].Data.GetProperty("evidence").EnumerateArray().ToList();
        var lighthouse = evidence.FindIndex(e => e.GetProperty("path").GetString() == "lighthouse.md") + 1;
        Assert.True(lighthouse > 0, "the lighthouse note is evidence");
        Assert.Contains(events, e => e.Event == "routed" && e.Data.GetProperty("model").GetString() == "llama3.1:8b");

        var streamed = string.Concat(events.Where(e => e.Event == "token").Select(e => e.Data.GetProperty("text").GetString()));
        var done = events.Single(e => e.Event == "done").Data;
        Assert.Equal($"The keeper trimmed the wick at dusk [{lighthouse}]. He also painted the tower red.", done.GetProperty("answer").GetString());
        Assert.Equal(done.GetProperty("answer").GetString(), streamed);
        Assert.Equal("model", done.GetProperty("answerKind").GetString());
        Assert.Equal([lighthouse], done.GetProperty("citations").EnumerateArray().Select(c => c.GetInt32()));
        Assert.Equal(1, done.GetProperty("removedCitations").GetInt32());
        Assert.True(done.GetProperty("stats").GetProperty("outputTokens").GetInt32() > 0);
        // The model saw the numbered passages and the question.
        var (model, asked) = _ollama.Prompts[^1];
        Assert.Equal("llama3.1:8b", model);
        Assert.Contains($"[{lighthouse}] Lighthouses (notes/lighthouse.md › The keeper)", asked);
        Assert.Contains("trimmed the lamp wick every evening at dusk", asked);
        Assert.Contains("Question: When did the keeper trim the lamp wick?", asked);

        // The CLI: --json for scripts, and for people the answer then the sources, the cited ones starred.
        var (code, output, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["ask", "--json", "When did the keeper trim the lamp wick?"]);
        Assert.True(code == 0, error);
        using (var json = JsonDocument.Parse(output))
        {
            Assert.Equal("model", json.RootElement.GetProperty("kind").GetString());
            var cited = Assert.Single(json.RootElement.GetProperty("citations").EnumerateArray());
            Assert.Equal("lighthouse.md", cited.GetProperty("path").GetString());
            Assert.Equal("the-keeper", cited.GetProperty("anchor").GetString()?.TrimStart('#'));
            Assert.Equal(1, json.RootElement.GetProperty("removedCitations").GetInt32());
            Assert.DoesNotContain("[9]", json.RootElement.GetProperty("answer").GetString());
        }
        (code, output, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["ask", "When did the keeper trim the lamp wick?"]);
        Assert.True(code == 0, error);
        Assert.StartsWith("The keeper trimmed the wick at dusk [", output);
        Assert.Matches(@"\*\[\d+\] Lighthouses — notes/lighthouse\.md#the-keeper", output);
        Assert.Contains("1 citation(s) pointed at no evidence and were removed", error);

        // Nothing in the notes is about it: no model is asked, and the answer says so.
        var prompts = _ollama.Prompts.Count;
        var nothing = await AskAsync(new { question = "quantum chromodynamics of gluons" });
        Assert.Empty(nothing[0].Data.GetProperty("evidence").EnumerateArray());
        var none = nothing.Single(e => e.Event == "done").Data;
        Assert.Equal("none", none.GetProperty("answerKind").GetString());
        Assert.StartsWith("I found nothing in your notes or conversations", none.GetProperty("answer").GetString());
        Assert.Equal(prompts, _ollama.Prompts.Count);

        // Bad questions get their reason and a status code.
        await AssertProblemAsync(new { question = "" }, HttpStatusCode.BadRequest, "the question is empty");
        await AssertProblemAsync(new { question = new string('x', 2_001) }, HttpStatusCode.BadRequest, "at most 2,000");
        await AssertProblemAsync(new { question = "keeper", sourceKind = "poem" }, HttpStatusCode.BadRequest, "source kind 'poem'");
        await AssertProblemAsync(new { question = "keeper", sourceKind = "conversation", vault = "notes" }, HttpStatusCode.BadRequest, "a vault ('notes') holds notes, not conversations");
        using (var malformed = await _http.PostAsync("api/ask", new StringContent("{\"question\": ", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        }

        // Ollama gone: the answer quotes the evidence, citations and all, and says why.
        await _ollama.DisposeAsync();
        var quoted = await AskAsync(new { question = "How often is the sourdough starter fed?" });
        var extractive = quoted.Single(e => e.Event == "done").Data;
        Assert.Equal("extractive", extractive.GetProperty("answerKind").GetString());
        var sources = quoted[0].Data.GetProperty("evidence").EnumerateArray().ToList();
        var bread = sources.FindIndex(e => e.GetProperty("path").GetString() == "bread.md") + 1;
        Assert.Equal(1, bread);
        Assert.Contains("> Feed the starter twice a day; bake when it doubles within six hours. [1]", extractive.GetProperty("answer").GetString());
        Assert.Contains("Ollama", extractive.GetProperty("detail").GetString());
        Assert.Contains(1, extractive.GetProperty("citations").EnumerateArray().Select(c => c.GetInt32()));
    }

    [GeneratedRegex(@"\[(\d+)\] Lighthouses")]
    private static partial Regex LighthouseNumber();

    private async Task<List<(string Event, JsonElement Data)>> AskAsync(object body)
    {
        using var response = await _http.PostAsJsonAsync("api/ask", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<(string, JsonElement)>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var name = lines.First(l => l.StartsWith("event: ", StringComparison.Ordinal))["event: ".Length..];
            var data = lines.First(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
            Assert.True(name != "error", $"the answer ended with an error: {data}");
            events.Add((name, JsonDocument.Parse(data).RootElement.Clone()));
        }
        return events;
    }

    private async Task AssertProblemAsync(object body, HttpStatusCode status, string detail)
    {
        using var response = await _http.PostAsJsonAsync("api/ask", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(detail, text);
    }
}
