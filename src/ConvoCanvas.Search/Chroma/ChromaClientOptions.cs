namespace ConvoCanvas.Search.Chroma;

/// <summary>How <see cref="ChromaClient"/> talks to one ChromaDB server.</summary>
public sealed record ChromaClientOptions
{
    /// <summary>The largest request body the client sends. The server answers 413 somewhere above 35 MiB.</summary>
    public const long DefaultMaxRequestBytes = 16L * 1024 * 1024;

    public string Tenant { get; init; } = "default_tenant";

    public string Database { get; init; } = "default_database";

    /// <summary>
    /// An upper bound on records per upsert or delete request, below the server's own
    /// <c>max_batch_size</c> (which the server advertises but does not enforce). Null: the server's.
    /// </summary>
    public int? MaxBatchSize { get; init; }

    /// <summary>An upper bound on the estimated JSON size of one upsert or delete request.</summary>
    public long MaxRequestBytes { get; init; } = DefaultMaxRequestBytes;

    /// <summary>Attempts per request, the first included, for errors that may pass (connection, timeout, 429, 5xx).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The delay before the second attempt; it doubles for each further one, with up to 50% jitter added.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long one attempt may take before it counts as a timeout (and is retried).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
