namespace ConvoCanvas.Search.Embeddings;

public sealed record MiniLmOptions
{
    /// <summary>Word-pieces per text before truncation (the model was trained with 256; it accepts up to 512).</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>
    /// Texts per ONNX run. Texts are sorted by length first, so a batch pads little; on 2 cores 8
    /// beat 16, 32 and 64 (see the embed section of the benchmark results).
    /// </summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>ONNX Runtime's threads inside one run; 0 divides the processors among <see cref="ConcurrentBatches"/>.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's idle worker threads spin waiting for work (lower latency on an idle
    /// machine; wasted cores on a busy one, where the silo, PostgreSQL and ChromaDB share them).
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>
    /// Batches run at the same time; 0 means one per processor. Single-threaded runs side by side
    /// did more per CPU second than one run over every core (no hand-offs between threads inside
    /// each matrix product), at the price of latency for a lone short text, which is milliseconds.
    /// </summary>
    public int ConcurrentBatches { get; init; }
}
