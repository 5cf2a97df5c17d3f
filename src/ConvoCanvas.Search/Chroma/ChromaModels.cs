namespace ConvoCanvas.Search.Chroma;

/// <summary>A collection as the server describes it. Record operations address it by <see cref="Id"/>.</summary>
public sealed record ChromaCollection(Guid Id, string Name, IReadOnlyDictionary<string, object?>? Metadata, int? Dimension);

/// <summary>
/// One record to upsert. Metadata values are scalars: string, bool, an integer type or a
/// floating-point type (ChromaDB 3 rejects arrays); a null value removes the key on upsert.
/// </summary>
public sealed record ChromaRecord(string Id, ReadOnlyMemory<float> Embedding, string? Document = null, IReadOnlyDictionary<string, object?>? Metadata = null);

/// <summary>
/// One nearest neighbour of a query. <see cref="Distance"/> is 1 − cosine similarity in a
/// cosine collection. Fields not asked for in <see cref="ChromaInclude"/> are null.
/// </summary>
public sealed record ChromaQueryHit(string Id, float? Distance, string? Document, IReadOnlyDictionary<string, object?>? Metadata, float[]? Embedding);

/// <summary>A stored record read back by get. Fields not asked for in <see cref="ChromaInclude"/> are null.</summary>
public sealed record ChromaStoredRecord(string Id, string? Document, IReadOnlyDictionary<string, object?>? Metadata, float[]? Embedding);

/// <summary>The server's limits, from <c>/api/v2/pre-flight-checks</c>.</summary>
public sealed record ChromaPreFlight(int MaxBatchSize);

/// <summary>What query and get return besides the ids.</summary>
[Flags]
public enum ChromaInclude
{
    None = 0,
    Documents = 1,
    Metadatas = 2,
    Distances = 4,
    Embeddings = 8,
}
