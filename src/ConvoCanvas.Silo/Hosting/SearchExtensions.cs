using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains.Search;
using ConvoCanvas.Search.Chroma;
using ConvoCanvas.Search.Embeddings;
using ConvoCanvas.Search.Index;
using ConvoCanvas.Search.Query;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ConvoCanvas.Silo.Hosting;

/// <summary>The <c>ConvoCanvas:Search</c> settings.</summary>
public sealed class SearchSettings
{
    /// <summary>Off: no embedder is loaded, change events are ignored and search says it is not configured.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The ChromaDB server (CONVOCANVAS_CHROMA); the scripts start one on loopback.</summary>
    public string ChromaUrl { get; set; } = "http://127.0.0.1:8010";

    /// <summary><c>minilm</c> (in process, the default) or <c>ollama</c>.</summary>
    public string Embedder { get; set; } = "minilm";

    /// <summary>
    /// Where MiniLM truncates, in word-pieces (default 256; chunks are cut to fit). Shorter embeds
    /// faster and matches shorter passages; changing it is a switch of embedders.
    /// </summary>
    public int? MiniLmMaxTokens { get; set; }

    public string OllamaUrl { get; set; } = "http://127.0.0.1:11434";

    public string OllamaModel { get; set; } = "nomic-embed-text";

    /// <summary>Put before search queries; unset for the model's own instruction (nomic-embed-text: <c>search_query: </c>).</summary>
    public string? OllamaQueryPrefix { get; set; }

    /// <summary>Put before indexed chunks; unset for the model's own instruction (nomic-embed-text: <c>search_document: </c>).</summary>
    public string? OllamaDocumentPrefix { get; set; }

    /// <summary>The configured embedder as the index records it.</summary>
    public EmbedderDescriptor Descriptor() => Embedder.ToLowerInvariant() switch
    {
        EmbedderDescriptor.MiniLm => EmbedderDescriptor.ForMiniLm(MiniLmMaxTokens is 256 ? null : MiniLmMaxTokens),
        EmbedderDescriptor.Ollama => EmbedderDescriptor.ForOllama(OllamaModel, OllamaQueryPrefix, OllamaDocumentPrefix),
        var other => throw new InvalidOperationException($"ConvoCanvas:Search:Embedder '{other}' is not known: use minilm or ollama"),
    };
}

public static class SearchExtensions
{
    /// <summary>Embedder, ChromaDB, the PostgreSQL keyword index, the indexer and the searcher; reconciliation at start.</summary>
    public static WebApplicationBuilder AddConvoCanvasSearch(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("ConvoCanvas:Search").Get<SearchSettings>() ?? new SearchSettings();
        builder.Services.AddSingleton(settings);
        builder.Services.Configure<SearchIndexerOptions>(builder.Configuration.GetSection("ConvoCanvas:Search:Indexer"));
        builder.Services.Configure<ReconcileOptions>(builder.Configuration.GetSection("ConvoCanvas:Search:Reconcile"));
        if (!settings.Enabled)
        {
            return builder;
        }

        var descriptor = settings.Descriptor();
        var ollama = new Uri(settings.OllamaUrl);
        builder.Services.AddSingleton<IEmbedder>(_ => descriptor.Create(ollama));
        builder.Services.AddHttpClient("chroma", http => http.BaseAddress = new Uri(settings.ChromaUrl))
            .ConfigurePrimaryHttpMessageHandler(ChromaClient.CreateHandler);
        builder.Services.AddSingleton(services => new ChromaClient(
            services.GetRequiredService<IHttpClientFactory>().CreateClient("chroma"),
            new ChromaClientOptions(),
            services.GetRequiredService<ILogger<ChromaClient>>()));
        // Switching embedders: the one that built the index keeps answering until the new one has every source.
        builder.Services.AddSingleton(services =>
        {
            var chroma = services.GetRequiredService<ChromaClient>();
            var embedder = services.GetRequiredService<IEmbedder>();
            return new VectorSpaces(
                services.GetRequiredService<NpgsqlDataSource>(),
                new VectorSpace(embedder, new ChromaVectorStore(chroma, embedder)),
                descriptor,
                previous =>
                {
                    var made = previous.Create(ollama);
                    return new VectorSpace(made, new ChromaVectorStore(chroma, made));
                },
                services.GetRequiredService<ILogger<VectorSpaces>>());
        });
        builder.Services.AddSingleton<KeywordIndex>();
        builder.Services.AddSingleton<EmbeddingCache>();
        builder.Services.AddSingleton<SourceChunker>();
        builder.Services.AddSingleton<SearchIndexer>();
        builder.Services.AddSingleton(builder.Configuration.GetSection("ConvoCanvas:Search:Fusion").Get<FusionOptions>() ?? new FusionOptions());
        builder.Services.AddSingleton<HybridSearcher>();
        builder.Services.AddHealthChecks().AddCheck<ChromaHealthCheck>("chromadb", tags: ["ready"]);
        return builder;
    }

    /// <summary>One reconciliation pass once the silo is up: whatever a crash or an outage left behind gets indexed.</summary>
    public static ISiloBuilder AddSearchReconciliationAtStart(this ISiloBuilder silo) =>
        silo.AddStartupTask(async (services, cancellationToken) =>
        {
            if (services.GetService<SearchIndexer>() is null)
            {
                return;
            }
            var grains = services.GetRequiredService<IGrainFactory>();
            var logger = services.GetRequiredService<ILogger<SearchSettings>>();
            // Not awaited: the silo does not wait for a full comparison to start serving.
            _ = Task.Run(async () =>
            {
                try
                {
                    await grains.GetGrain<IIndexReconcilerGrain>(0).ReconcileAsync();
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "Search reconciliation at start failed; the reminder tries again");
                }
            }, CancellationToken.None);
            await Task.CompletedTask;
        });
}

/// <summary>
/// ChromaDB answers its heartbeat. Down is "degraded", not "unhealthy": search still answers
/// from the keyword index (marked partial) and the indexer catches up when it is back.
/// </summary>
internal sealed class ChromaHealthCheck(ChromaClient chroma) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await chroma.HeartbeatAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy($"chromadb reachable at {chroma.ServerUrl}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"chromadb unreachable at {chroma.ServerUrl}: {ex.Message} (search answers with keyword results only)");
        }
    }
}
