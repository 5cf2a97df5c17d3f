namespace ConvoCanvas.Search.Embeddings;

public sealed record OllamaEmbedderOptions
{
    public const string DefaultModel = "nomic-embed-text";

    /// <summary>An embedding model the Ollama server has pulled.</summary>
    public string Model { get; init; } = DefaultModel;

    /// <summary>Vector length, when known in advance; otherwise learnt from the first response.</summary>
    public int? Dimensions { get; init; }

    /// <summary>The model's context in tokens (nomic-embed-text: 2048). The server truncates beyond it.</summary>
    public int MaxTokens { get; init; } = 2048;

    /// <summary>Texts per <c>/api/embed</c> request.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// How <see cref="IEmbedder.CountTokens"/> counts; null for the estimate described on
    /// <see cref="OllamaEmbedder.EstimateTokens"/>.
    /// </summary>
    public Func<string, int>? TokenCounter { get; init; }
}
