using System.Diagnostics;
using ConvoCanvas.Search.Embeddings;
using ConvoCanvas.Search.Index;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConvoCanvas.Search.Query;

/// <summary>
/// Hybrid search over notes and conversations together: the query's embedding against the
/// vector store and its terms against PostgreSQL full-text search, run at the same time, fused
/// by weighted reciprocal rank over sources (<see cref="FusionOptions"/>), one hit per source. If the vector store is down the keyword results are
/// returned, marked partial.
/// </summary>
public sealed partial class HybridSearcher(
    KeywordIndex keywords,
    EmbeddingCache cache,
    VectorSpaces spaces,
    FusionOptions? fusion = null,
    ILogger<HybridSearcher>? logger = null)
{
    private readonly ILogger logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly FusionOptions fusion = fusion ?? new FusionOptions();

    /// <summary>A leg's chunk hits as a ranking of sources, in order: each source's best chunk, its score and its rank (1 first).</summary>
    private static OrderedDictionary<string, (string ChunkId, double Score, int Rank)> BestPerSource(
        IEnumerable<(string ChunkId, double Score)> ranked, IReadOnlyDictionary<string, ChunkRow> rows)
    {
        // Insertion order is rank order: the keys are the ranking.
        var best = new OrderedDictionary<string, (string, double, int)>(StringComparer.Ordinal);
        foreach (var (chunkId, score) in ranked)
        {
            best.TryAdd(rows[chunkId].SourceId, (chunkId, score, best.Count + 1));
        }
        return best;
    }

    public async Task<SearchResult> SearchAsync(SearchQuery query, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var warnings = new List<string>();
        var text = Validate(query, warnings);
        var terms = QueryTerms.Of(text);
        var filter = query.Filter;
        // Filters the vector store cannot apply are applied to its hits afterwards, so fetch more.
        var fetch = Math.Max(30, query.Limit * (filter.NeedsPostFilter || filter.Since is not null || filter.Until is not null ? 10 : 3));

        var vectorLeg = query.Mode != SearchMode.Keyword ? VectorLegAsync(text, fetch, filter, cancellationToken) : Task.FromResult(VectorLeg.Skipped);
        var keywordLeg = query.Mode != SearchMode.Vector ? KeywordLegAsync(terms, fetch, filter, cancellationToken) : Task.FromResult(KeywordLeg.Skipped);
        var (vector, keyword) = (await vectorLeg, await keywordLeg);
        if (vector.Error is { } error)
        {
            warnings.Add(error);
        }
        if (query.Mode != SearchMode.Vector && terms.Count == 0)
        {
            warnings.Add("the query has no searchable words for the keyword search");
        }

        // Vector hits are only ids: load their rows through the filter (this also drops ids
        // whose chunks were deleted since the vector store answered).
        var rows = await keywords.GetChunksAsync(vector.Hits.Select(h => h.Id).Concat(keyword.Hits.Select(h => h.ChunkId)).ToHashSet(), filter, cancellationToken);

        // Each leg ranks sources by their best chunk; the rankings of sources are fused, so a note
        // whose one section matches the meaning and another the words gains from both.
        var vectorSources = BestPerSource(vector.Hits.Where(h => rows.ContainsKey(h.Id)).Select(h => (h.Id, h.Similarity)), rows);
        var keywordSources = BestPerSource(keyword.Hits.Where(h => rows.ContainsKey(h.ChunkId)).Select(h => (h.ChunkId, h.Rank)), rows);
        var keywordWeight = query.KeywordWeight ?? fusion.KeywordWeight;
        var fused = ReciprocalRankFusion.Fuse(
            [(vectorSources.Keys.ToList(), fusion.VectorWeight), (keywordSources.Keys.ToList(), keywordWeight)], fusion.K);

        var hits = new List<SearchHit>();
        foreach (var (sourceId, score) in fused.Take(query.Limit))
        {
            var inVector = vectorSources.TryGetValue(sourceId, out var v);
            var inKeyword = keywordSources.TryGetValue(sourceId, out var k);
            // The chunk shown is the one from the leg that counted for more.
            var fromVector = inVector && (!inKeyword || fusion.VectorWeight / (fusion.K + v.Rank) >= keywordWeight / (fusion.K + k.Rank));
            var hit = ToHit(rows[fromVector ? v.ChunkId : k.ChunkId], terms, score);
            if (inVector)
            {
                hit = hit with { VectorSimilarity = v.Score, VectorRank = v.Rank };
            }
            if (inKeyword)
            {
                hit = hit with { KeywordScore = k.Score, KeywordRank = k.Rank };
            }
            hits.Add(hit);
        }

        var result = new SearchResult
        {
            Hits = hits,
            Partial = vector.Error is not null,
            Warnings = warnings,
            Elapsed = Stopwatch.GetElapsedTime(started),
            EmbedTime = vector.EmbedTime,
            VectorTime = vector.QueryTime,
            KeywordTime = keyword.Time,
        };
        SearchLog.Searched(logger, hits.Count, result.Elapsed.TotalMilliseconds, result.Partial);
        return result;
    }

    /// <summary>
    /// The vectors the serving embedder made for these chunks, from the embedding cache (no model runs):
    /// chunk id to vector; a chunk not embedded yet is missing. For grouping search hits by meaning.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, float[]>> ChunkVectorsAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default)
    {
        var rows = await keywords.GetChunksAsync(chunkIds, null, cancellationToken);
        var (embedder, _) = await spaces.ServingAsync(cancellationToken);
        var cached = await cache.GetAsync(embedder.Id, rows.Values.Select(r => r.ContentHash).ToHashSet(), cancellationToken);
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (id, row) in rows)
        {
            if (cached.TryGetValue(row.ContentHash, out var vector))
            {
                vectors[id] = vector;
            }
        }
        return vectors;
    }

    /// <summary>The notes and conversations nearest to a source: the mean of its chunk vectors, queried, itself excluded.</summary>
    public async Task<SearchResult> RelatedAsync(string sourceId, int limit = 10, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        if (limit is < 1 or > SearchQuery.MaxLimit)
        {
            throw new InvalidSearchQueryException($"limit must be between 1 and {SearchQuery.MaxLimit}, not {limit}");
        }
        var chunks = await keywords.GetSourceChunksAsync(sourceId, cancellationToken);
        if (chunks.Count == 0)
        {
            return new SearchResult { Hits = [], Warnings = [$"'{sourceId}' is not indexed (yet)"], Elapsed = Stopwatch.GetElapsedTime(started) };
        }
        var (embedder, vectors) = await spaces.ServingAsync(cancellationToken);
        var cached = await cache.GetAsync(embedder.Id, chunks.Select(c => c.ContentHash).ToHashSet(), cancellationToken);
        var centroid = Centroid(cached.Values.ToList(), embedder.Dimensions);
        if (centroid is null)
        {
            return new SearchResult { Hits = [], Warnings = [$"'{sourceId}' has no vectors for {embedder.Id} yet"], Elapsed = Stopwatch.GetElapsedTime(started) };
        }
        IReadOnlyList<VectorHit> neighbours;
        try
        {
            neighbours = await vectors.QueryAsync(centroid, Math.Min(300, limit * 8 + chunks.Count), null, cancellationToken);
        }
        catch (VectorStoreUnavailableException e)
        {
            return new SearchResult { Hits = [], Partial = true, Warnings = [e.Message], Elapsed = Stopwatch.GetElapsedTime(started) };
        }
        var rows = await keywords.GetChunksAsync(neighbours.Select(n => n.Id).ToHashSet(), null, cancellationToken);
        var hits = new List<SearchHit>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { sourceId };
        foreach (var (neighbour, rank) in neighbours.Select((n, i) => (n, i + 1)))
        {
            if (!rows.TryGetValue(neighbour.Id, out var row) || !seen.Add(row.SourceId))
            {
                continue;
            }
            hits.Add(ToHit(row, [], neighbour.Similarity) with { VectorSimilarity = neighbour.Similarity, VectorRank = rank });
            if (hits.Count == limit)
            {
                break;
            }
        }
        return new SearchResult { Hits = hits, Elapsed = Stopwatch.GetElapsedTime(started) };
    }

    private static string Validate(SearchQuery query, List<string> warnings)
    {
        var text = query.Text?.Trim() ?? "";
        if (text.Length == 0)
        {
            throw new InvalidSearchQueryException("the query is empty: type what you are looking for");
        }
        if (query.Limit is < 1 or > SearchQuery.MaxLimit)
        {
            throw new InvalidSearchQueryException($"limit must be between 1 and {SearchQuery.MaxLimit}, not {query.Limit}");
        }
        if (query.KeywordWeight is { } weight && (double.IsNaN(weight) || weight < 0 || weight > SearchQuery.MaxKeywordWeight))
        {
            throw new InvalidSearchQueryException($"keywordWeight must be between 0 and {SearchQuery.MaxKeywordWeight}, not {weight}");
        }
        if (query.Filter.Kind is { } kind && kind is not ("note" or "conversation"))
        {
            throw new InvalidSearchQueryException($"unknown kind '{kind}': use note or conversation");
        }
        if (query.Filter is { Since: { } since, Until: { } until } && since > until)
        {
            throw new InvalidSearchQueryException($"the date range is empty: since {since:yyyy-MM-dd} is after until {until:yyyy-MM-dd}");
        }
        if (text.Length > SearchQuery.MaxQueryCharacters)
        {
            warnings.Add($"the query is {text.Length} characters long; the first {SearchQuery.MaxQueryCharacters} were used");
            text = text[..SearchQuery.MaxQueryCharacters];
        }
        return text;
    }

    private async Task<VectorLeg> VectorLegAsync(string text, int fetch, SearchFilter filter, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (embedder, vectors) = await spaces.ServingAsync(cancellationToken);
        var embedding = await embedder.EmbedQueryAsync(text, cancellationToken);
        var embedTime = Stopwatch.GetElapsedTime(started);
        var vectorFilter = new VectorFilter
        {
            Kind = filter.Kind,
            Sources = filter.Sources.Count == 1 ? filter.Sources : null,
            Vault = filter.Vault,
            Model = filter.Model,
        };
        try
        {
            var hits = await vectors.QueryAsync(embedding, fetch, vectorFilter.IsEmpty ? null : vectorFilter, cancellationToken);
            return new VectorLeg(hits, embedTime, Stopwatch.GetElapsedTime(started) - embedTime, null);
        }
        catch (VectorStoreUnavailableException e)
        {
            return new VectorLeg([], embedTime, Stopwatch.GetElapsedTime(started) - embedTime, $"semantic search is unavailable ({e.Message}); these are keyword results only");
        }
    }

    private async Task<KeywordLeg> KeywordLegAsync(IReadOnlyList<string> terms, int fetch, SearchFilter filter, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var hits = await keywords.SearchAsync(terms, filter, fetch, cancellationToken);
        return new KeywordLeg(hits, Stopwatch.GetElapsedTime(started));
    }

    private static SearchHit ToHit(ChunkRow row, IReadOnlyList<string> terms, double score)
    {
        var body = BodyWithoutTitleLine(row);
        var (snippet, highlights) = SnippetBuilder.Build(body, terms);
        return new SearchHit
        {
            SourceId = row.SourceId,
            Kind = row.Kind,
            Source = row.Source,
            Title = row.Title,
            Path = row.Path ?? SourceIds.GrainKey(row.SourceId),
            Vault = row.Vault,
            Heading = row.Heading,
            Anchor = row.Anchor,
            ChunkId = row.ChunkId,
            Text = body,
            Snippet = snippet,
            Highlights = highlights,
            Tags = row.Tags,
            At = row.UpdatedAt ?? row.CreatedAt,
            Score = score,
        };
    }

    /// <summary>Chunks start with their title and heading path for the embedder; a snippet does not need it again.</summary>
    private static string BodyWithoutTitleLine(ChunkRow row)
    {
        var body = row.Body;
        if (row.Title.Length > 0 && body.StartsWith(row.Title, StringComparison.Ordinal))
        {
            var end = body.IndexOf("\n\n", StringComparison.Ordinal);
            if (end > 0 && end < body.Length - 2)
            {
                return body[(end + 2)..];
            }
        }
        return body;
    }

    private static float[]? Centroid(IReadOnlyList<float[]> vectors, int dimensions)
    {
        if (vectors.Count == 0)
        {
            return null;
        }
        var sum = new float[dimensions];
        foreach (var v in vectors)
        {
            for (var i = 0; i < dimensions && i < v.Length; i++)
            {
                sum[i] += v[i];
            }
        }
        var norm = MathF.Sqrt(sum.Sum(x => x * x));
        return norm == 0 ? null : sum.Select(x => x / norm).ToArray();
    }

    private sealed record VectorLeg(IReadOnlyList<VectorHit> Hits, TimeSpan EmbedTime, TimeSpan QueryTime, string? Error)
    {
        public static VectorLeg Skipped { get; } = new([], TimeSpan.Zero, TimeSpan.Zero, null);
    }

    private sealed record KeywordLeg(IReadOnlyList<KeywordHit> Hits, TimeSpan Time)
    {
        public static KeywordLeg Skipped { get; } = new([], TimeSpan.Zero);
    }

    private static partial class SearchLog
    {
        [LoggerMessage(1, LogLevel.Debug, "Search: {Hits} hits in {Milliseconds:F1} ms (partial: {Partial})")]
        public static partial void Searched(ILogger logger, int hits, double milliseconds, bool partial);
    }
}
