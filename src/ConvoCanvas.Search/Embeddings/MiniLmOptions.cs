namespace ConvoCanvas.Search.Embeddings;

public sealed record MiniLmOptions
{
    /// <summary>Word-pieces per text before truncation (the model was trained with 256; it accepts up to 512).</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>Texts per ONNX run. Texts are sorted by length first, so a batch pads little.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>ONNX Runtime's threads inside one run; 0 means one per processor.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's idle worker threads spin waiting for work (lower latency on an idle
    /// machine; wasted cores on a busy one, where the silo, PostgreSQL and ChromaDB share them).
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>Batches run at the same time. One run already uses every core, so more only helps on large machines.</summary>
    public int ConcurrentBatches { get; init; } = 1;
}
