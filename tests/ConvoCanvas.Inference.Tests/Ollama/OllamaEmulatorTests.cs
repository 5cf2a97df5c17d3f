using ConvoCanvas.Testing.Ollama;
using OllamaSharp;
using OllamaSharp.Models;
using OllamaSharp.Models.Exceptions;

namespace ConvoCanvas.Inference.Tests.Ollama;

/// <summary>The Ollama emulator through the real OllamaSharp client: what the model tests rely on.</summary>
public sealed class OllamaEmulatorTests : IAsyncLifetime
{
    private const long GB = 1_000_000_000;

    private static readonly EmulatedModel Llama = new()
    {
        Name = "llama3.1:8b", FileBytes = (long)(4.9 * GB), KvBytesPerToken = 131_072, LoadSeconds = 2.0, TokensPerSecond = 100, ContextLength = 131_072,
    };

    private static readonly EmulatedModel Phi4 = new()
    {
        Name = "phi4", FileBytes = (long)(9.1 * GB), KvBytesPerToken = 204_800, LoadSeconds = 3.5, TokensPerSecond = 60, Family = "phi3", ParameterSize = "14.7B", ContextLength = 16_384,
    };

    private static readonly EmulatedModel Coder = new()
    {
        Name = "qwen2.5-coder:14b", FileBytes = (long)(9.0 * GB), KvBytesPerToken = 196_608, LoadSeconds = 3.5, TokensPerSecond = 60, Family = "qwen2", ParameterSize = "14.8B",
    };

    private static readonly EmulatedModel Nomic = new()
    {
        Name = "nomic-embed-text", FileBytes = 274_000_000, LoadSeconds = 0.3, Family = "nomic-bert", ParameterSize = "137M", EmbeddingDimensions = 768, ContextLength = 2048,
    };

    private readonly OllamaEmulator ollama = new([Llama, Phi4, Coder, Nomic], new OllamaEmulatorOptions { TimeScale = 0.01 });
    private OllamaApiClient client = null!;

    public async Task InitializeAsync()
    {
        await ollama.StartAsync();
        client = new OllamaApiClient(new HttpClient { BaseAddress = ollama.Address });
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await ollama.DisposeAsync();
    }

    [Fact]
    public async Task Lists_and_shows_models_with_the_numbers_a_vram_estimate_needs()
    {
        var models = (await client.ListLocalModelsAsync()).ToList();
        Assert.Equal(["llama3.1:8b", "nomic-embed-text", "phi4", "qwen2.5-coder:14b"], models.Select(m => m.Name));
        Assert.Equal(Phi4.FileBytes, models.Single(m => m.Name == "phi4").Size);
        Assert.Equal("Q4_K_M", models[0].Details.QuantizationLevel);

        var show = await client.ShowModelAsync("phi4");
        Assert.Equal("phi3", show.Info.Architecture);
        Assert.Equal("16384", show.Info.ExtraInfo!["phi3.context_length"]!.ToString());
        Assert.Equal("8", show.Info.ExtraInfo["phi3.attention.head_count_kv"]!.ToString());
        Assert.Contains("completion", show.Capabilities!);

        await Assert.ThrowsAnyAsync<Exception>(() => client.ShowModelAsync("no-such-model:7b"));
    }

    [Fact]
    public async Task Generation_streams_tokens_at_the_models_speed_with_the_timing_fields()
    {
        var chunks = new List<GenerateResponseStream>();
        await foreach (var chunk in client.GenerateAsync(new GenerateRequest { Model = "llama3.1:8b", Prompt = "Why is the sky blue?", Options = new RequestOptions { NumCtx = 8192, NumPredict = 12 } }))
        {
            chunks.Add(chunk!);
        }

        Assert.Equal(13, chunks.Count);
        var done = Assert.IsType<GenerateDoneResponseStream>(chunks[^1]);
        Assert.Equal(12, done.EvalCount);
        Assert.Equal(100, done.EvalCount / (done.EvalDuration / 1e9), 1);
        Assert.Equal(2.0, done.LoadDuration / 1e9, 2);
        var running = Assert.Single(await client.ListRunningModelsAsync());
        Assert.Equal(8192, running.ContextLength);
        Assert.Equal(Llama.VramBytes(8192), running.SizeVram);
    }

    [Fact]
    public async Task A_load_that_does_not_fit_is_refused_with_an_out_of_memory_error()
    {
        await LoadAsync("phi4", 4096);
        // Ollama answers a failed load with 500 and {"error":"…"}; OllamaSharp raises the status.
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => LoadAsync("qwen2.5-coder:14b", 4096));

        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(1, ollama.RefusedLoads);
        Assert.Equal(["phi4"], ollama.Loaded.Select(l => l.Model));
        Assert.True(ollama.PeakVramBytes <= ollama.Options.VramBytes);
    }

    [Fact]
    public async Task Another_num_ctx_reloads_keep_alive_0_unloads_and_an_idle_model_expires()
    {
        await LoadAsync("llama3.1:8b", 4096);
        await LoadAsync("llama3.1:8b", 4096);
        await LoadAsync("llama3.1:8b", 16_384);
        Assert.Equal(["llama3.1:8b", "llama3.1:8b"], ollama.Loads);

        await foreach (var _ in client.GenerateAsync(new GenerateRequest { Model = "llama3.1:8b", KeepAlive = "0" })) { }
        Assert.Empty(await client.ListRunningModelsAsync());

        // 20 emulated seconds of keep_alive are 200 ms at this time scale.
        await foreach (var _ in client.GenerateAsync(new GenerateRequest { Model = "nomic-embed-text", KeepAlive = "20s" })) { }
        Assert.Single(ollama.Loaded);
        await ollama.WaitUntilUnloadedAsync("nomic-embed-text", TimeSpan.FromSeconds(5));
        Assert.Empty(ollama.Loaded);
    }

    [Fact]
    public async Task Embeddings_have_the_models_width_and_equal_texts_embed_equally()
    {
        var response = await client.EmbedAsync(new EmbedRequest { Model = "nomic-embed-text", Input = ["a note", "another", "a note"] });

        Assert.Equal(3, response.Embeddings.Count);
        Assert.All(response.Embeddings, e => Assert.Equal(768, e.Length));
        Assert.Equal(response.Embeddings[0], response.Embeddings[2]);
        Assert.NotEqual(response.Embeddings[0], response.Embeddings[1]);
        await Assert.ThrowsAnyAsync<Exception>(() => client.EmbedAsync(new EmbedRequest { Model = "llama3.1:8b", Input = ["x"] }));
    }

    private async Task LoadAsync(string model, int numCtx)
    {
        await foreach (var _ in client.GenerateAsync(new GenerateRequest { Model = model, Options = new RequestOptions { NumCtx = numCtx } })) { }
    }
}
