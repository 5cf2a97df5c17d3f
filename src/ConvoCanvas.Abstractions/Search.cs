namespace ConvoCanvas.Abstractions;

/// <summary>A search as the CLI, the REST API and the web front end ask for it.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.SearchRequest")]
public sealed record SearchRequest
{
    [Id(0)] public required string Query { get; init; }
    [Id(1)] public int Limit { get; init; } = 10;
    /// <summary><c>note</c> or <c>conversation</c>; null for both.</summary>
    [Id(2)] public string? Kind { get; init; }
    /// <summary>Export sources (<c>chatgpt</c>, <c>claude-ai</c>, <c>claude-code</c>, <c>librechat</c>, <c>openwebui</c>) or vault names.</summary>
    [Id(3)] public IReadOnlyList<string> Sources { get; init; } = [];
    [Id(4)] public string? Vault { get; init; }
    [Id(5)] public string? PathPrefix { get; init; }
    [Id(6)] public IReadOnlyList<string> Tags { get; init; } = [];
    [Id(7)] public DateTimeOffset? Since { get; init; }
    [Id(8)] public DateTimeOffset? Until { get; init; }
    [Id(9)] public string? Model { get; init; }
    /// <summary><c>hybrid</c> (default), <c>vector</c> or <c>keyword</c>.</summary>
    [Id(10)] public string? Mode { get; init; }
    /// <summary>The keyword leg's weight in the fusion for this query (0 to 4; the vector leg's is 1); null for the configured one.</summary>
    [Id(11)] public double? KeywordWeight { get; init; }
    /// <summary>Also return each hit's passage (<see cref="SearchHitView.Text"/>), as a question's evidence needs.</summary>
    [Id(12)] public bool IncludeText { get; init; }
}

[GenerateSerializer, Immutable, Alias("convocanvas.SearchHitView")]
public sealed record SearchHitView
{
    [Id(0)] public required string SourceId { get; init; }
    [Id(1)] public required string Kind { get; init; }
    [Id(2)] public required string Source { get; init; }
    [Id(3)] public required string Title { get; init; }
    /// <summary>The vault-relative path of a note; the conversation id of a conversation.</summary>
    [Id(4)] public required string Path { get; init; }
    [Id(5)] public string? Vault { get; init; }
    [Id(6)] public string? Heading { get; init; }
    /// <summary>A heading anchor (<c>setup-steps</c>) for notes; a message id for conversations.</summary>
    [Id(7)] public string? Anchor { get; init; }
    [Id(8)] public required string Snippet { get; init; }
    /// <summary>(start, length) pairs in <see cref="Snippet"/> where query terms are.</summary>
    [Id(9)] public IReadOnlyList<int[]> Highlights { get; init; } = [];
    [Id(10)] public IReadOnlyList<string> Tags { get; init; } = [];
    [Id(11)] public DateTimeOffset? At { get; init; }
    [Id(12)] public double Score { get; init; }
    [Id(13)] public double? VectorSimilarity { get; init; }
    [Id(14)] public int? VectorRank { get; init; }
    [Id(15)] public double? KeywordScore { get; init; }
    [Id(16)] public int? KeywordRank { get; init; }
    /// <summary>The best chunk's whole passage, when the request asked for it (<see cref="SearchRequest.IncludeText"/>).</summary>
    [Id(17)] public string? Text { get; init; }
    /// <summary>The best chunk's id, with <see cref="Text"/>: its vector can be had from <see cref="ISearchGrain.GetChunkVectorsAsync"/>.</summary>
    [Id(18)] public string? ChunkId { get; init; }
}

[GenerateSerializer, Immutable, Alias("convocanvas.SearchResponse")]
public sealed record SearchResponse
{
    [Id(0)] public required IReadOnlyList<SearchHitView> Hits { get; init; }
    /// <summary>True when semantic search could not run (ChromaDB down): keyword results only.</summary>
    [Id(1)] public bool Partial { get; init; }
    [Id(2)] public IReadOnlyList<string> Warnings { get; init; } = [];
    [Id(3)] public double ElapsedMs { get; init; }
    [Id(4)] public double EmbedMs { get; init; }
    [Id(5)] public double VectorMs { get; init; }
    [Id(6)] public double KeywordMs { get; init; }
}

/// <summary>The search index as a whole.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.IndexStats")]
public sealed record IndexStats
{
    [Id(0)] public bool Enabled { get; init; }
    /// <summary>The configured embedder, which every write goes to.</summary>
    [Id(1)] public string? Embedder { get; init; }
    /// <summary>The collection that answers searches.</summary>
    [Id(2)] public string? Collection { get; init; }
    [Id(3)] public long Sources { get; init; }
    [Id(4)] public long Chunks { get; init; }
    /// <summary>Vectors in ChromaDB; null when it does not answer.</summary>
    [Id(5)] public long? Vectors { get; init; }
    [Id(6)] public int Pending { get; init; }
    [Id(7)] public string? Problem { get; init; }
    /// <summary>The embedder whose vectors answer searches: the previous one while a switch of embedders is under way.</summary>
    [Id(8)] public string? ServingEmbedder { get; init; }
    /// <summary>The switch of embedders under way and its progress; null when none is.</summary>
    [Id(9)] public string? Switch { get; init; }
}

/// <summary>Hybrid search over notes and conversations. A stateless worker: every silo answers locally.</summary>
public interface ISearchGrain : IGrainWithIntegerKey
{
    Task<SearchResponse> SearchAsync(SearchRequest request);

    /// <summary>The nearest notes and conversations to a source id (<c>note:{vault}/{path}</c> or <c>conversation:{id}</c>).</summary>
    Task<SearchResponse> RelatedAsync(string sourceId, int limit);

    Task<IndexStats> GetStatsAsync();

    /// <summary>The stored vectors of these chunks (chunk id to vector; missing when not embedded yet), without running a model.</summary>
    Task<IReadOnlyDictionary<string, float[]>> GetChunkVectorsAsync(IReadOnlyList<string> chunkIds);
}

/// <summary>Work for an indexer: index the source grain's current content, or remove it.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.IndexWork")]
public sealed record IndexWork(
    [property: Id(0)] string SourceId,
    [property: Id(1)] bool Remove);

/// <summary>
/// Keeps the index in step with the grains of one stream partition: it consumes the conversation and
/// document change streams (implicit subscription), batches, embeds and writes, and acknowledges back.
/// </summary>
public interface ISearchIndexerGrain : IGrainWithIntegerKey
{
    /// <summary>Reconciliation's way in: work that the stream did not deliver (or that failed).</summary>
    Task EnqueueAsync(IReadOnlyList<IndexWork> work);

    /// <summary>Sources waiting to be indexed by this partition.</summary>
    Task<int> GetPendingAsync();
}

[GenerateSerializer, Immutable, Alias("convocanvas.ReconcileReport")]
public sealed record ReconcileReport(
    [property: Id(0)] int Expected,
    [property: Id(1)] int UpToDate,
    [property: Id(2)] int Reindexed,
    [property: Id(3)] int Removed,
    [property: Id(4)] DateTimeOffset At);

/// <summary>Compares every source grain's content hash with what the index holds and repairs the difference.</summary>
public interface IIndexReconcilerGrain : IGrainWithIntegerKey
{
    Task<ReconcileReport> ReconcileAsync();

    Task<ReconcileReport?> GetLastAsync();
}

/// <summary>Where a source's index status lands: the source grain records what was indexed.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.IndexAck")]
public sealed record IndexAck(
    [property: Id(0)] string ContentHash,
    [property: Id(1)] string Status,
    [property: Id(2)] int Chunks,
    [property: Id(3)] string? Reason,
    [property: Id(4)] DateTimeOffset At);

public static class SearchKeys
{
    /// <summary>The indexer partition of a source grain key: the same partition its change events use.</summary>
    public static int IndexerOf(string grainKey) => StreamNamespaces.PartitionOf(grainKey);
}
