namespace ConvoCanvas.Search.Index;

/// <summary>Index statuses as the coverage report shows them.</summary>
public static class IndexStatuses
{
    /// <summary>Chunks and vectors reflect <see cref="IndexedSourceState.ContentHash"/>.</summary>
    public const string Indexed = "indexed";
    /// <summary>A newer version is on its way (or was interrupted; reconciliation finishes it).</summary>
    public const string Pending = "pending";
    /// <summary>The last attempt failed; <see cref="IndexedSourceState.Reason"/> says why. Retried.</summary>
    public const string Failed = "failed";
    /// <summary>Nothing to index (an empty note); not retried until the content changes.</summary>
    public const string Skipped = "skipped";
}

/// <summary>What the index holds for one source: a row of <c>search_sources</c>.</summary>
public sealed record IndexedSourceState
{
    public required string SourceId { get; init; }
    public required string Kind { get; init; }
    public required string Source { get; init; }
    public string? Vault { get; init; }
    public string? Path { get; init; }
    public string Title { get; init; } = "";
    /// <summary>The source grain's content hash the index reflects; null when nothing was committed yet.</summary>
    public string? ContentHash { get; init; }
    public int ChunkCount { get; init; }
    /// <summary>Set while vectors are being written: the highest chunk count that may exist in the vector store.</summary>
    public int? PendingChunks { get; init; }
    public required string Embedder { get; init; }
    public required string Status { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset IndexedAt { get; init; }

    /// <summary>Chunk ordinals at or above this may not exist; below it they may (and must go when the source shrinks).</summary>
    public int ChunkUpperBound => Math.Max(ChunkCount, PendingChunks ?? 0);
}
