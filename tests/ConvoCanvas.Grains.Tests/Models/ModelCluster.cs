using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains;
using ConvoCanvas.Grains.Models;
using ConvoCanvas.Inference.Ollama;
using ConvoCanvas.Testing.Ollama;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace ConvoCanvas.Grains.Tests.Models;

/// <summary>
/// An in-process cluster whose model grains talk through the real OllamaSharp client to the Ollama
/// emulator (real HTTP on loopback, VRAM books that refuse an over-commit). Each test class gets its
/// own, so the GPU's books start empty.
/// </summary>
public abstract class ModelCluster : IAsyncLifetime
{
    public const long GB = 1_000_000_000;

    public static readonly EmulatedModel Llama = new() { Name = "llama3.1:8b", FileBytes = (long)(4.9 * GB), LoadSeconds = 2.5, TokensPerSecond = 100, ContextLength = 131_072 };
    public static readonly EmulatedModel Small = new() { Name = "llama3.2:1b", FileBytes = (long)(1.3 * GB), LoadSeconds = 0.8, TokensPerSecond = 200, BlockCount = 16, ContextLength = 131_072 };
    public static readonly EmulatedModel Coder = new() { Name = "qwen2.5-coder:14b", FileBytes = (long)(9.0 * GB), LoadSeconds = 4.5, TokensPerSecond = 60, Family = "qwen2", ParameterSize = "14.8B", ContextLength = 32_768 };
    public static readonly EmulatedModel Reasoner = new() { Name = "deepseek-r1:14b", FileBytes = (long)(9.0 * GB), LoadSeconds = 4.5, TokensPerSecond = 60, Family = "qwen2", ParameterSize = "14.8B", ContextLength = 32_768 };
    public static readonly EmulatedModel Big = new() { Name = "gemma2:27b", FileBytes = (long)(15.6 * GB), LoadSeconds = 8, TokensPerSecond = 30, Family = "gemma2", ParameterSize = "27B", ContextLength = 8192 };
    public static readonly EmulatedModel Huge = new() { Name = "llama3.1:70b", FileBytes = 40 * GB, LoadSeconds = 20, TokensPerSecond = 10, ParameterSize = "70.6B" };
    public static readonly EmulatedModel Slow = new() { Name = "slow:7b", FileBytes = (long)(4.1 * GB), LoadSeconds = 2, TokensPerSecond = 1, ContextLength = 32_768 };
    public static readonly EmulatedModel Nomic = new() { Name = "nomic-embed-text", FileBytes = 274_000_000, LoadSeconds = 0.3, Family = "nomic-bert", ParameterSize = "137M", EmbeddingDimensions = 768, ContextLength = 2048 };

    private InProcessTestCluster? _cluster;

    protected ModelCluster(bool ollamaRunning = true)
    {
        Ollama = new OllamaEmulator([Llama, Small, Coder, Reasoner, Big, Huge, Slow, Nomic], new OllamaEmulatorOptions { TimeScale = 0.01 });
        OllamaRunning = ollamaRunning;
    }

    public OllamaEmulator Ollama { get; }

    public bool OllamaRunning { get; }

    public IClusterClient Client => _cluster!.Client;

    public IGpuSchedulerGrain Gpu => Client.GetGrain<IGpuSchedulerGrain>(GpuSchedulerGrain.Key);

    /// <summary>Where the grains look for Ollama: the emulator, or a port nothing listens on.</summary>
    public Uri OllamaUrl { get; private set; } = null!;

    protected virtual void Configure(ModelOptions options)
    {
    }

    public async Task InitializeAsync()
    {
        if (OllamaRunning)
        {
            await Ollama.StartAsync();
            OllamaUrl = Ollama.Address;
        }
        else
        {
            OllamaUrl = new Uri($"http://127.0.0.1:{FreePort()}/");
        }
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(ProviderNames.Storage);
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.AddMemoryStreams(ProviderNames.Streams);
            silo.UseInMemoryReminderService();
            silo.Services.AddConvoCanvasSerialization();
            silo.Services.AddConvoCanvasGrainServices();
            silo.Services.AddSingleton<ConvoCanvas.Grains.Catalog.IConversationCatalog>(new ConvoCanvas.Grains.Catalog.InMemoryConversationCatalog());
            silo.Services.AddSingleton(new OllamaGateway(new OllamaGatewayOptions { Server = OllamaUrl, StallTimeout = TimeSpan.FromSeconds(2) }));
            silo.Services.Configure<ModelOptions>(options =>
            {
                options.OllamaUrl = OllamaUrl.ToString();
                options.ReconcileSeconds = 0.5;
                options.ProbeTimeoutSeconds = 1;
                Configure(options);
            });
        });
        builder.ConfigureClient(client => client.Services.AddConvoCanvasSerialization());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        await Ollama.DisposeAsync();
    }

    /// <summary>Streams a generation to its end and returns every event.</summary>
    public async Task<List<GenerationEvent>> GenerateAsync(string model, string prompt = "Why is the sky blue?", int? maxTokens = 12, int? numCtx = null, string priority = ModelPriorities.Interactive)
    {
        var events = new List<GenerationEvent>();
        await foreach (var e in Client.GetGrain<IModelSlotGrain>(model).GenerateAsync(new GenerationRequest { Prompt = prompt, MaxTokens = maxTokens, NumCtx = numCtx, Priority = priority, Caller = "test" }))
        {
            events.Add(e);
        }
        return events;
    }

    /// <summary>The GPU's status once <paramref name="done"/> holds (the books also follow Ollama on a timer), or the last one after the time is up.</summary>
    public async Task<GpuStatusView> StatusWhenAsync(Func<GpuStatusView, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        var status = await Gpu.GetStatusAsync();
        while (!done(status) && DateTime.UtcNow < deadline)
        {
            status = await Gpu.WatchAsync(status.Version, TimeSpan.FromSeconds(1));
        }
        return status;
    }

    /// <summary>The books are clean: no lease, nothing queued, no model counted as running.</summary>
    public async Task AssertNoLeasesAsync()
    {
        var status = await StatusWhenAsync(s => s.Leases.Count == 0 && s.Queue.Count == 0 && s.Loaded.All(m => m.Running == 0));
        Assert.Empty(status.Leases);
        Assert.Empty(status.Queue);
        Assert.All(status.Loaded, m => Assert.Equal(0, m.Running));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
