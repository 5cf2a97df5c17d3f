namespace ConvoCanvas.Testing.Ollama;

/// <summary>A model the Ollama emulator has "pulled": its size, how it loads and how fast it runs.</summary>
public sealed record EmulatedModel
{
    /// <summary>The tag, as Ollama names it (<c>llama3.1:8b</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The GGUF file's size: the weights' share of VRAM once loaded.</summary>
    public required long FileBytes { get; init; }

    /// <summary>KV cache per token of context (f16), so a larger num_ctx takes more VRAM.</summary>
    public long KvBytesPerToken { get; init; } = 131_072;

    /// <summary>Seconds a load takes on the emulated card, before the time scale.</summary>
    public double LoadSeconds { get; init; } = 2.5;

    public double PromptTokensPerSecond { get; init; } = 4_000;

    public double TokensPerSecond { get; init; } = 100;

    /// <summary>The model's trained context (<c>/api/show</c> model_info).</summary>
    public int ContextLength { get; init; } = 131_072;

    public string Family { get; init; } = "llama";

    public string ParameterSize { get; init; } = "8.0B";

    public string Quantization { get; init; } = "Q4_K_M";

    /// <summary>The architecture numbers a KV-cache estimate needs (<c>/api/show</c> model_info).</summary>
    public int BlockCount { get; init; } = 32;

    public int HeadCount { get; init; } = 32;

    public int HeadCountKv { get; init; } = 8;

    public int EmbeddingLength { get; init; } = 4096;

    /// <summary>Non-zero for an embedding model: the length of its vectors.</summary>
    public int EmbeddingDimensions { get; init; }

    /// <summary>Compute buffers and the like, beyond weights and KV cache.</summary>
    public long OverheadBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>VRAM when loaded with <paramref name="numCtx"/>: what <c>/api/ps</c> reports as size_vram.</summary>
    public long VramBytes(int numCtx) => FileBytes + (KvBytesPerToken * numCtx) + OverheadBytes;
}
