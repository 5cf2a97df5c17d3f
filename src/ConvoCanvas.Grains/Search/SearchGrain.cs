using ConvoCanvas.Abstractions;
using ConvoCanvas.Search.Index;
using ConvoCanvas.Search.Query;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;

namespace ConvoCanvas.Grains.Search;

/// <summary>Hybrid search, on every silo that takes the call (a stateless worker; no state of its own).</summary>
[StatelessWorker]
public sealed class SearchGrain(IServiceProvider services) : Grain, ISearchGrain
{
    private readonly HybridSearcher? _searcher = services.GetService<HybridSearcher>();

    public async Task<SearchResponse> SearchAsync(SearchRequest request)
    {
        var searcher = Searcher();
        var mode = request.Mode?.ToLowerInvariant() switch
        {
            null or "" or "hybrid" => SearchMode.Hybrid,
            "vector" or "semantic" => SearchMode.Vector,
            "keyword" => SearchMode.Keyword,
            var other => throw new ArgumentException($"unknown mode '{other}': use hybrid, vector or keyword"),
        };
        try
        {
            return ToResponse(await searcher.SearchAsync(Query(request, mode)), request.IncludeText);
        }
        catch (InvalidSearchQueryException e)
        {
            // Callers know ArgumentException (the REST API answers 400 with it); they need not know the search library.
            throw new ArgumentException(e.Message);
        }
    }

    private static SearchQuery Query(SearchRequest request, SearchMode mode) => new SearchQuery
        {
            Text = request.Query ?? "",
            Limit = request.Limit,
            Mode = mode,
            KeywordWeight = request.KeywordWeight,
            Filter = new SearchFilter
            {
                Kind = request.Kind,
                Sources = request.Sources,
                Vault = request.Vault,
                PathPrefix = request.PathPrefix,
                Tags = request.Tags,
                Since = request.Since,
                Until = request.Until,
                Model = request.Model,
            },
        };

    public async Task<SearchResponse> RelatedAsync(string sourceId, int limit)
    {
        try
        {
            return ToResponse(await Searcher().RelatedAsync(sourceId, limit));
        }
        catch (InvalidSearchQueryException e)
        {
            throw new ArgumentException(e.Message);
        }
    }

    public async Task<IndexStats> GetStatsAsync()
    {
        var keywords = services.GetService<KeywordIndex>();
        var spaces = services.GetService<VectorSpaces>();
        if (keywords is null || spaces is null)
        {
            return new IndexStats { Enabled = false, Problem = "search is not configured on this silo" };
        }
        var (sources, chunks) = await keywords.CountAsync();
        var change = await spaces.GetSwitchAsync();
        var serving = await spaces.ServingAsync();
        if (change is not null && serving.Embedder.Id == change.To)
        {
            // The switch finished between the two reads: report the finished state, not both at once.
            change = null;
        }
        var vectors = serving.Store;
        long? vectorCount = null;
        string? problem = null;
        try
        {
            vectorCount = await vectors.CountAsync();
        }
        catch (VectorStoreUnavailableException e)
        {
            problem = e.Message;
        }
        var pending = await Task.WhenAll(Enumerable.Range(0, StreamNamespaces.Partitions)
            .Select(p => GrainFactory.GetGrain<ISearchIndexerGrain>(p).GetPendingAsync()));
        return new IndexStats
        {
            Enabled = true,
            Embedder = spaces.Target.Embedder.Id,
            Collection = vectors.Name,
            ServingEmbedder = serving.Embedder.Id,
            Switch = change is null ? null : $"re-embedding the index with {change.To}: {change.Done:N0} of {change.Total:N0} sources done; {change.From} answers searches until then",
            Sources = sources,
            Chunks = chunks,
            Vectors = vectorCount,
            Pending = pending.Sum(),
            Problem = problem,
        };
    }

    public async Task<IReadOnlyDictionary<string, float[]>> GetChunkVectorsAsync(IReadOnlyList<string> chunkIds) =>
        await Searcher().ChunkVectorsAsync(chunkIds);

    private HybridSearcher Searcher() =>
        _searcher ?? throw new InvalidOperationException("search is not configured on this silo (ConvoCanvas:Search)");

    private static SearchResponse ToResponse(SearchResult result, bool includeText = false) => new()
    {
        Hits = result.Hits.Select(h => new SearchHitView
        {
            SourceId = h.SourceId,
            Kind = h.Kind,
            Source = h.Source,
            Title = h.Title,
            Path = h.Path,
            Vault = h.Vault,
            Heading = h.Heading,
            Anchor = h.Anchor,
            Snippet = h.Snippet,
            Highlights = h.Highlights.Select(r => new[] { r.Start, r.Length }).ToList(),
            Tags = h.Tags,
            At = h.At,
            Score = h.Score,
            VectorSimilarity = h.VectorSimilarity,
            VectorRank = h.VectorRank,
            KeywordScore = h.KeywordScore,
            KeywordRank = h.KeywordRank,
            Text = includeText ? h.Text : null,
            ChunkId = includeText ? h.ChunkId : null,
        }).ToList(),
        Partial = result.Partial,
        Warnings = result.Warnings,
        ElapsedMs = result.Elapsed.TotalMilliseconds,
        EmbedMs = result.EmbedTime.TotalMilliseconds,
        VectorMs = result.VectorTime.TotalMilliseconds,
        KeywordMs = result.KeywordTime.TotalMilliseconds,
    };
}
