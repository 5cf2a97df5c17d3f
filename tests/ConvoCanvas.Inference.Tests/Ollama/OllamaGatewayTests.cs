using ConvoCanvas.Inference.Ollama;
using ConvoCanvas.Testing.Ollama;

namespace ConvoCanvas.Inference.Tests.Ollama;

/// <summary>The gateway over OllamaSharp against the emulator: facts, streams, loads, and Ollama's failures as one line.</summary>
public sealed class OllamaGatewayTests : IAsyncLifetime
{
    private const long GB = 1_000_000_000;

    private static readonly EmulatedModel Llama = new() { Name = "llama3.1:8b", FileBytes = (long)(4.9 * GB), LoadSeconds = 2.0, TokensPerSecond = 100 };

    private static readonly EmulatedModel Phi4 = new()
    {
        Name = "phi4", FileBytes = (long)(9.1 * GB), Family = "phi3", BlockCount = 40, HeadCount = 40, HeadCountKv = 10, EmbeddingLength = 5120, ContextLength = 16_384,
    };

    private static readonly EmulatedModel Nomic = new() { Name = "nomic-embed-text", FileBytes = 274_000_000, Family = "nomic-bert", EmbeddingDimensions = 768, ContextLength = 2048 };

    private readonly OllamaEmulator ollama = new([Llama, Phi4, Nomic], new OllamaEmulatorOptions { TimeScale = 0.01 });
    private OllamaGateway gateway = null!;

    public async Task InitializeAsync()
    {
        await ollama.StartAsync();
        gateway = new OllamaGateway(new OllamaGatewayOptions { Server = ollama.Address, StallTimeout = TimeSpan.FromSeconds(3) });
    }

    public async Task DisposeAsync()
    {
        gateway.Dispose();
        await ollama.DisposeAsync();
    }

    [Fact]
    public async Task Show_gives_the_numbers_a_kv_cache_estimate_needs()
    {
        var facts = await gateway.ShowAsync("phi4");

        Assert.Equal("phi3", facts.Architecture);
        Assert.Equal(16_384, facts.ContextLength);
        Assert.Equal(Phi4.FileBytes, facts.SizeBytes);
        // K and V × 40 layers × 10 KV heads × 128 wide × 2 bytes.
        Assert.Equal(2L * 40 * 10 * 128 * 2, facts.KvBytesPerToken);
        Assert.True(facts.Generates);
        Assert.True((await gateway.ShowAsync("nomic-embed-text")).Embeds);
        Assert.Equal(["llama3.1:8b", "nomic-embed-text", "phi4"], (await gateway.ListAsync()).Select(m => m.Name));
        var missing = await Assert.ThrowsAsync<OllamaModelNotFoundException>(() => gateway.ShowAsync("no-such:1b"));
        Assert.Contains("ollama pull no-such:1b", missing.Message);
    }

    [Fact]
    public async Task Load_stream_and_unload_with_the_timing_fields()
    {
        var loadSeconds = await gateway.LoadAsync("llama3.1:8b", 8192);
        Assert.Equal(2.0, loadSeconds, 2);
        var running = Assert.Single(await gateway.RunningAsync());
        Assert.Equal((8192, Llama.VramBytes(8192)), (running.ContextLength, running.SizeVramBytes));

        var chunks = new List<GenerationChunk>();
        await foreach (var chunk in gateway.ChatAsync("llama3.1:8b", [new ChatTurn("user", "hello")], 8192, maxTokens: 10))
        {
            chunks.Add(chunk);
        }
        var stats = chunks[^1].Stats!;
        Assert.Equal(10, stats.OutputTokens);
        Assert.Equal(100, stats.TokensPerSecond, 0);
        Assert.Equal(0, stats.LoadSeconds);
        Assert.Single(ollama.Loads);
        Assert.True(ollama.Requests.Where(r => r.Model == "llama3.1:8b").All(r => r.KeepAlive is null || r.KeepAlive < TimeSpan.Zero));

        await gateway.UnloadAsync("llama3.1:8b");
        Assert.Empty(await gateway.RunningAsync());
    }

    [Fact]
    public async Task A_stream_that_goes_silent_is_abandoned_as_hung_and_the_model_is_free_again()
    {
        // Loaded first, so the only silence the watchdog can see is the hang. The 3 s stall timeout leaves room for a
        // first token (or the emulator noticing the abandoned request) that a busy 2-core machine makes slow.
        await gateway.LoadAsync("llama3.1:8b", 4096);
        ollama.HangAfterTokens = 2;
        var tokens = 0;
        var hang = await Assert.ThrowsAsync<OllamaHangException>(async () =>
        {
            await foreach (var _ in gateway.GenerateAsync("llama3.1:8b", "hello", 4096, maxTokens: 10))
            {
                tokens++;
            }
        });
        Assert.Equal(2, tokens);
        Assert.Contains("'llama3.1:8b' produced nothing for 3 s", hang.Message);

        // The connection was closed, so the emulator (like Ollama) stopped and the next request runs.
        ollama.HangAfterTokens = null;
        var done = 0;
        await foreach (var chunk in gateway.GenerateAsync("llama3.1:8b", "hello again", 4096, maxTokens: 3))
        {
            done += chunk.Done ? 1 : 0;
        }
        Assert.Equal(1, done);
    }

    [Fact]
    public async Task A_load_that_does_not_fit_and_an_unreachable_server_are_one_clear_line()
    {
        await gateway.LoadAsync("phi4", 4096);
        await gateway.LoadAsync("llama3.1:8b", 4096);
        var refused = await Assert.ThrowsAsync<OllamaException>(() => gateway.LoadAsync("llama3.1:8b", 65_536));
        Assert.Contains("'llama3.1:8b'", refused.Message);
        Assert.Contains("500", refused.Message);

        using var nowhere = new OllamaGateway(new OllamaGatewayOptions { Server = new Uri("http://127.0.0.1:9/") });
        var down = await Assert.ThrowsAsync<OllamaUnavailableException>(() => nowhere.ListAsync());
        Assert.StartsWith("Ollama is not reachable at http://127.0.0.1:9/", down.Message);
        await Assert.ThrowsAsync<OllamaUnavailableException>(async () =>
        {
            await foreach (var _ in nowhere.ChatAsync("llama3.1:8b", [new ChatTurn("user", "hi")], 4096))
            {
            }
        });
    }
}
