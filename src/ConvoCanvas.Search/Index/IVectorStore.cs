namespace ConvoCanvas.Search.Index;

/// <summary>A vector and what a filtered query needs to know about its chunk.</summary>
public sealed record VectorRecord(string Id, float[] Vector, string Document, IReadOnlyDictionary<string, object> Metadata);

/// <summary>A nearest neighbour: the chunk id and its cosine similarity to the query (1 is identical).</summary>
public sealed record VectorHit(string Id, double Similarity);

/// <summary>
/// Equality filters a vector store can apply while it searches (the rest is filtered by the
/// keyword index's rows afterwards). Null means no filter on that field.
/// </summary>
public sealed record VectorFilter
{
    public string? Kind { get; init; }
    public IReadOnlyList<string>? Sources { get; init; }
    public string? Vault { get; init; }
    public string? Model { get; init; }
    public string? SourceId { get; init; }
    /// <summary>Unix seconds, compared with the chunk's <c>at</c> metadata.</summary>
    public long? AtOrAfter { get; init; }
    public long? AtOrBefore { get; init; }

    public bool IsEmpty => Kind is null && Sources is null && Vault is null && Model is null && SourceId is null && AtOrAfter is null && AtOrBefore is null;
}

/// <summary>The vectors of one embedder, in one collection. ChromaDB in ConvoCanvas; the indexer and searcher only see this.</summary>
public interface IVectorStore
{
    /// <summary>Where the vectors live, for messages and reports (e.g. the ChromaDB collection name).</summary>
    string Name { get; }

    Task UpsertAsync(IReadOnlyList<VectorRecord> records, CancellationToken cancellationToken = default);

    Task DeleteAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<VectorHit>> QueryAsync(float[] vector, int limit, VectorFilter? filter, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<float[]>> GetVectorsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default);

    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>True when the store answers now (for health checks and partial results).</summary>
    Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the whole collection (after an embedder switch has completed); false if it did not exist.</summary>
    Task<bool> DropAsync(CancellationToken cancellationToken = default);
}

/// <summary>The vector store could not be reached or refused the request; the index stays as it was.</summary>
public sealed class VectorStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
