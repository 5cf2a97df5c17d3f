namespace ConvoCanvas.Inference.Catalogue;

/// <summary>
/// What the scheduler needs to know of one model: its weights' size, KV cache per token of
/// context, how long it takes to load, and how fast it reads a prompt and writes tokens.
/// </summary>
/// <param name="TokensPerSecond">generation speed; 0 for a model that only embeds.</param>
/// <param name="OverheadBytes">compute buffers and the runner's own memory beyond weights and KV cache.</param>
/// <param name="ContextLength">the largest num_ctx the model takes (0: not limited by the catalogue).</param>
/// <param name="Pinned">never evicted by the ConvoCanvas policy once loaded (Ollama's policy ignores it).</param>
public sealed record ModelSpec(
    string Name,
    long FileBytes,
    long KvBytesPerToken,
    double LoadSeconds,
    double PromptTokensPerSecond,
    double TokensPerSecond,
    long OverheadBytes = ModelSpec.DefaultOverheadBytes,
    int ContextLength = 0,
    bool Pinned = false)
{
    /// <summary>llama.cpp's compute graph and the runner's CUDA context for a 7–14B model at a few thousand tokens: about 0.4 GB.</summary>
    public const long DefaultOverheadBytes = 400_000_000;

    /// <summary>Seconds one request takes when it has the GPU to itself: prompt processing, then generation.</summary>
    public double SoloSeconds(int promptTokens, int outputTokens) =>
        promptTokens / PromptTokensPerSecond + (outputTokens > 0 ? outputTokens / TokensPerSecond : 0);
}
