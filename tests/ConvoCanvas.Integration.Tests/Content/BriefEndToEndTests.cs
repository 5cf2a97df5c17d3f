using System.Text.Json;
using ConvoCanvas.Ingest.Tokens;
using ConvoCanvas.Integration.Tests.Persistence;
using ConvoCanvas.Testing;
using ConvoCanvas.Testing.Conversations;
using ConvoCanvas.Testing.Ollama;

namespace ConvoCanvas.Integration.Tests.Content;

/// <summary>
/// A continuation brief written by a model (the emulator) by map-reduce, from the CLI against the real
/// silo: it fits the window by token count; with --no-model, or no model, it is the extractive brief.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BriefEndToEndTests(PostgresServer server) : IAsyncLifetime
{
    private readonly OllamaEmulator _ollama = new(
        [new EmulatedModel { Name = "llama3.1:8b", FileBytes = 4_900_000_000, LoadSeconds = 2.5, TokensPerSecond = 100, ContextLength = 2_048 }],
        new OllamaEmulatorOptions { TimeScale = 0.01 });
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        await _ollama.StartAsync();
        _silo = new SiloProcess(await server.CreateDatabaseAsync("brief"));
        _silo.Settings["CONVOCANVAS_OLLAMA"] = _ollama.Address.ToString();
        _silo.Settings["ConvoCanvas__Search__Enabled"] = "false";
        await _silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Fact]
    public async Task A_brief_is_written_by_the_model_from_the_parts_and_fits_the_window()
    {
        // A conversation of about 12,000 tokens: it overflows the windows below (the fixtures' all fit).
        var folder = Directory.CreateTempSubdirectory("convocanvas-brief-");
        await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "claude-long.json"), LongConversation.ClaudeExport("long-brief"));
        var (code, _, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["import", folder.FullName]);
        folder.Delete(recursive: true);
        Assert.True(code == 0, error);
        const string id = "claude-ai:long-brief";

        _ollama.Reply = (_, prompt) => prompt.StartsWith("This is part", StringComparison.Ordinal)
            ? "## Goal\nNotes on a part."
            : "## Goal\nMERGED GOAL\n## Decisions made\nMERGED DECISIONS";
        string output;
        // No --model-window: 8k, held to the 2,048 tokens the model takes.
        (code, output, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["conversations", "brief", id, "--window", "1000", "--json"]);
        Assert.True(code == 0, error);
        var brief = JsonDocument.Parse(output).RootElement;
        Assert.True(brief.GetProperty("kind").GetString() == "model", output);
        Assert.Equal("llama3.1:8b", brief.GetProperty("model").GetString());
        var markdown = brief.GetProperty("markdown").GetString()!;
        Assert.Contains("MERGED GOAL", markdown);
        Assert.StartsWith("# Continuation brief: ", markdown);
        Assert.True(TokenCounter.Default.Count(markdown) <= 1_000, $"{TokenCounter.Default.Count(markdown)} tokens");
        var pieces = brief.GetProperty("pieces").GetInt32();
        // One call per piece, then merges: in rounds, as the notes of so many pieces do not fit one prompt.
        Assert.True(pieces > 2, output);
        Assert.Equal(pieces, _ollama.Prompts.Count(p => p.Prompt.Contains("This is part", StringComparison.Ordinal)));
        Assert.Equal(_ollama.Prompts.Count, brief.GetProperty("modelCalls").GetInt32());
        Assert.InRange(brief.GetProperty("modelCalls").GetInt32(), pieces + 1, 2 * pieces);
        // Every prompt the model saw fits its 2,048-token window with room for the answer.
        Assert.All(_ollama.Prompts, p => Assert.True(TokenCounter.Default.Count(p.Prompt) <= 2_048 - 1_024, $"{TokenCounter.Default.Count(p.Prompt)} tokens"));

        // A larger window asked for is held to the model's too.
        var before = _ollama.Prompts.Count;
        (code, output, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["conversations", "brief", id, "--window", "1000", "--model-window", "32k", "--json"]);
        Assert.True(code == 0, error);
        Assert.Equal("model", JsonDocument.Parse(output).RootElement.GetProperty("kind").GetString());
        Assert.True(_ollama.Prompts.Count > before);
        Assert.All(_ollama.Prompts, p => Assert.True(TokenCounter.Default.Count(p.Prompt) <= 2_048 - 1_024, $"{TokenCounter.Default.Count(p.Prompt)} tokens"));

        // A window the whole conversation fits: nothing overflows, so no model is asked.
        before = _ollama.Prompts.Count;
        (code, output, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["conversations", "brief", id, "--window", "128k", "--json"]);
        Assert.True(code == 0, error);
        var fits = JsonDocument.Parse(output).RootElement;
        Assert.Equal("extractive", fits.GetProperty("kind").GetString());
        Assert.Contains("fits the window", fits.GetProperty("detail").GetString());
        Assert.Equal(before, _ollama.Prompts.Count);

        (code, output, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["conversations", "brief", id, "--window", "8k", "--no-model", "--json"]);
        Assert.True(code == 0, error);
        var extractive = JsonDocument.Parse(output).RootElement;
        Assert.Equal("extractive", extractive.GetProperty("kind").GetString());
        Assert.Equal(8_192, extractive.GetProperty("window").GetInt32());
        Assert.DoesNotContain("MERGED", extractive.GetProperty("markdown").GetString());

        (code, _, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["conversations", "brief", id, "--window", "lots"]);
        Assert.Equal(1, code);
        Assert.Contains("--window 'lots' is not a number of tokens", error);

        // Ollama gone: the extractive brief, and why.
        await _ollama.DisposeAsync();
        (code, output, error) = await CliProcess.RunAsync(_silo.GatewayPort, ["conversations", "brief", id, "--window", "1000", "--json"]);
        Assert.True(code == 0, error);
        var fallback = JsonDocument.Parse(output).RootElement;
        Assert.Equal("extractive", fallback.GetProperty("kind").GetString());
        Assert.Contains("no model could write it", fallback.GetProperty("detail").GetString());
    }
}
