using System.Diagnostics;
using ConvoCanvas.Search.Chunking;
using ConvoCanvas.Search.Embeddings;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ConvoCanvas.Search.Index;

/// <summary>What happened to one source in an index batch.</summary>
public enum IndexOutcome
{
    Indexed,
    /// <summary>The index already reflects this content hash: nothing was embedded or written.</summary>
    Unchanged,
    Failed,
}

public sealed record SourceIndexResult(string SourceId, IndexOutcome Outcome, int Chunks, string? Reason = null);

public sealed record IndexBatchResult(IReadOnlyList<SourceIndexResult> Sources, int ChunksEmbedded, int ChunksFromCache, TimeSpan Elapsed)
{
    public int Indexed => Sources.Count(s => s.Outcome == IndexOutcome.Indexed);
    public int Unchanged => Sources.Count(s => s.Outcome == IndexOutcome.Unchanged);
    public int Failed => Sources.Count(s => s.Outcome == IndexOutcome.Failed);
}

/// <summary>
/// Writes sources into the index: vectors into the vector store, chunks and state into the
/// keyword index. The order makes every step safe to interrupt: the source is marked pending
/// (with how many chunk ids it may leave behind), vectors are upserted under deterministic ids,
/// stale ids deleted, and only then are the chunks and the content hash committed. Running a
/// batch again after a crash converges to the same index, without duplicates. Vectors go to the
/// target space (<see cref="VectorSpaces"/>); during a switch of embedders, changed sources are
/// also written to the space that still serves, as far as it is reachable.
/// </summary>
public sealed partial class SearchIndexer(
    KeywordIndex keywords,
    EmbeddingCache cache,
    VectorSpaces spaces,
    ILogger<SearchIndexer>? logger = null)
{
    private readonly ILogger logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly IEmbedder embedder = spaces.Target.Embedder;
    private readonly IVectorStore vectors = spaces.Target.Store;
    // Two batches at once: one embeds (on every core) while the other writes to ChromaDB and
    // PostgreSQL. More would only queue on the embedder and hold database connections.
    private readonly SemaphoreSlim _batches = new(2, 2);

    /// <summary>How many texts go to the embedder at once; bounds memory and keeps batches length-sortable.</summary>
    public int EmbedBatchSize { get; init; } = 256;

    public string EmbedderId => embedder.Id;

    public async Task<IndexBatchResult> IndexAsync(IReadOnlyList<IndexItem> items, CancellationToken cancellationToken = default)
    {
        await _batches.WaitAsync(cancellationToken);
        try
        {
            return await IndexBatchAsync(items, cancellationToken);
        }
        finally
        {
            _batches.Release();
        }
    }

    private async Task<IndexBatchResult> IndexBatchAsync(IReadOnlyList<IndexItem> items, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // Records which embedder serves on first use, and notices a switch completed elsewhere.
        await spaces.ServingAsync(cancellationToken);
        var results = new List<SourceIndexResult>(items.Count);
        // The last item for a source wins if a batch names one twice.
        var latest = items.GroupBy(i => i.SourceId, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        var states = await keywords.GetStatesAsync(latest.Select(i => i.SourceId).ToList(), cancellationToken);

        var work = new List<IndexItem>();
        foreach (var item in latest)
        {
            if (states.TryGetValue(item.SourceId, out var state)
                && state.ContentHash == item.ContentHash
                && state.Embedder == embedder.Id
                && state.PendingChunks is null
                && state.Status is IndexStatuses.Indexed or IndexStatuses.Skipped)
            {
                results.Add(new(item.SourceId, IndexOutcome.Unchanged, state.ChunkCount));
            }
            else
            {
                work.Add(item);
            }
        }
        if (work.Count == 0)
        {
            return new(results, 0, 0, Stopwatch.GetElapsedTime(started));
        }

        await keywords.MarkPendingAsync(work, embedder.Id, cancellationToken);
        try
        {
            var (vectorsByHash, embedded, cached) = await EmbedAsync(embedder, work, cancellationToken);
            var records = new List<VectorRecord>();
            var stale = new List<string>();
            foreach (var item in work)
            {
                var source = item.Chunked.Source;
                foreach (var chunk in item.Chunked.Chunks)
                {
                    records.Add(new VectorRecord(SourceIds.Chunk(source.SourceId, chunk.Ordinal), vectorsByHash[chunk.ContentHash], chunk.Text, Metadata(source, chunk)));
                }
                var upper = states.TryGetValue(item.SourceId, out var state) ? state.ChunkUpperBound : 0;
                for (var ordinal = item.Chunked.Chunks.Count; ordinal < upper; ordinal++)
                {
                    stale.Add(SourceIds.Chunk(source.SourceId, ordinal));
                }
            }
            await vectors.UpsertAsync(records, cancellationToken);
            await vectors.DeleteAsync(stale, cancellationToken);
            await keywords.CommitAsync(work, embedder.Id, cancellationToken);
            results.AddRange(work.Select(i => new SourceIndexResult(i.SourceId, IndexOutcome.Indexed, i.Chunked.Chunks.Count)));
            IndexerLog.Batch(logger, work.Count, records.Count, embedded, cached, stale.Count);
            if (spaces.Previous is { } serving)
            {
                // Edits made during a switch reach the collection that still answers searches.
                var changed = work.Where(i => !states.TryGetValue(i.SourceId, out var state) || state.ContentHash != i.ContentHash).ToList();
                await MirrorAsync(serving, changed, stale, cancellationToken);
                await TryCompleteSwitchAsync(cancellationToken);
            }
            return new(results, embedded, cached, Stopwatch.GetElapsedTime(started));
        }
        catch (VectorStoreUnavailableException e)
        {
            // Old chunks stay searchable, the hash stays old: the source is retried later.
            await keywords.MarkFailedAsync(work.Select(i => (i.Chunked.Source, e.Message)).ToList(), embedder.Id, CancellationToken.None);
            results.AddRange(work.Select(i => new SourceIndexResult(i.SourceId, IndexOutcome.Failed, 0, e.Message)));
            return new(results, 0, 0, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Records sources that could not be indexed at all (their content could not be chunked).</summary>
    public Task MarkFailedAsync(IReadOnlyList<(SearchSource Source, string Reason)> failures, CancellationToken cancellationToken = default) =>
        keywords.MarkFailedAsync(failures, embedder.Id, cancellationToken);

    /// <summary>Removes sources from both stores. Vectors go first: a crash between leaves a state row, so it is retried.</summary>
    public async Task RemoveAsync(IReadOnlyCollection<string> sourceIds, CancellationToken cancellationToken = default)
    {
        if (sourceIds.Count == 0)
        {
            return;
        }
        await spaces.ServingAsync(cancellationToken);
        var states = await keywords.GetStatesAsync(sourceIds, cancellationToken);
        var ids = states.Values.SelectMany(s => Enumerable.Range(0, s.ChunkUpperBound).Select(o => SourceIds.Chunk(s.SourceId, o))).ToList();
        await vectors.DeleteAsync(ids, cancellationToken);
        await keywords.RemoveAsync(sourceIds, cancellationToken);
        if (spaces.Previous is { } serving)
        {
            await MirrorAsync(serving, [], ids, cancellationToken);
            await TryCompleteSwitchAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Writes changed sources to the space that serves during a switch. Best effort: that embedder
    /// may be gone (the reason for the switch); its collection is deleted when the switch completes.
    /// </summary>
    private async Task MirrorAsync(VectorSpace serving, IReadOnlyList<IndexItem> changed, IReadOnlyList<string> stale, CancellationToken cancellationToken)
    {
        try
        {
            if (changed.Count > 0)
            {
                var (vectorsByHash, _, _) = await EmbedAsync(serving.Embedder, changed, cancellationToken);
                await serving.Store.UpsertAsync(changed.SelectMany(item => item.Chunked.Chunks.Select(chunk => new VectorRecord(
                    SourceIds.Chunk(item.SourceId, chunk.Ordinal), vectorsByHash[chunk.ContentHash], chunk.Text, Metadata(item.Chunked.Source, chunk)))).ToList(), cancellationToken);
            }
            await serving.Store.DeleteAsync(stale, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            IndexerLog.MirrorFailed(logger, e, serving.Embedder.Id, changed.Count);
        }
    }

    private async Task TryCompleteSwitchAsync(CancellationToken cancellationToken)
    {
        try
        {
            await spaces.TryCompleteAsync(cancellationToken);
        }
        catch (NpgsqlException e)
        {
            // The batch is committed; the next batch or reconciliation completes the switch.
            IndexerLog.CompleteFailed(logger, e);
        }
    }

    private async Task<(Dictionary<string, float[]> Vectors, int Embedded, int Cached)> EmbedAsync(IEmbedder embedder, IReadOnlyList<IndexItem> work, CancellationToken cancellationToken)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in work.SelectMany(i => i.Chunked.Chunks))
        {
            texts.TryAdd(chunk.ContentHash, chunk.Text);
        }
        var found = await cache.GetAsync(embedder.Id, texts.Keys, cancellationToken);
        var cached = found.Count;
        var missing = texts.Where(t => !found.ContainsKey(t.Key)).ToList();
        foreach (var batch in missing.Chunk(EmbedBatchSize))
        {
            var embedded = await embedder.EmbedAsync(batch.Select(b => b.Value).ToList(), cancellationToken);
            var entries = new List<(string, float[])>(batch.Length);
            for (var i = 0; i < batch.Length; i++)
            {
                found[batch[i].Key] = embedded[i];
                entries.Add((batch[i].Key, embedded[i]));
            }
            await cache.PutAsync(embedder.Id, entries, cancellationToken);
        }
        return (found, missing.Count, cached);
    }

    /// <summary>What the vector store may filter on while it searches; everything else lives in PostgreSQL.</summary>
    internal static Dictionary<string, object> Metadata(SearchSource source, Chunk chunk)
    {
        var metadata = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["source_id"] = source.SourceId,
            ["kind"] = KeywordIndex.KindName(source.Kind),
            ["source"] = source.Source,
            ["ordinal"] = chunk.Ordinal,
        };
        if (source.Vault is { } vault)
        {
            metadata["vault"] = vault;
        }
        if (source.Model is { } model)
        {
            metadata["model"] = model;
        }
        if ((source.UpdatedAt ?? source.CreatedAt) is { } at)
        {
            metadata["at"] = at.ToUnixTimeSeconds();
        }
        return metadata;
    }

    private static partial class IndexerLog
    {
        [LoggerMessage(1, LogLevel.Debug, "Indexed {Sources} sources: {Chunks} chunks ({Embedded} embedded, {Cached} from cache), {Stale} stale vectors removed")]
        public static partial void Batch(ILogger logger, int sources, int chunks, int embedded, int cached, int stale);

        [LoggerMessage(2, LogLevel.Warning, "Could not write {Sources} changed sources to {Embedder}, which answers searches until the switch of embedders completes; they are found there by keyword until then")]
        public static partial void MirrorFailed(ILogger logger, Exception exception, string embedder, int sources);

        [LoggerMessage(3, LogLevel.Warning, "Could not check whether the switch of embedders is complete; the next batch tries again")]
        public static partial void CompleteFailed(ILogger logger, Exception exception);
    }
}
