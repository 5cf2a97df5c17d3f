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
    /// How <see cref="IEmbedder.CountTokens"/> counts; null for BERT word-pieces
    /// (<see cref="WordPieces"/>), the vocabulary of nomic-embed-text and mxbai-embed-large.
    /// </summary>
    public Func<string, int>? TokenCounter { get; init; }

    /// <summary>Put before a search query; null for the model's own instruction (<see cref="EmbeddingPrefixes"/>).</summary>
    public string? QueryPrefix { get; init; }

    /// <summary>Put before every document chunk; null for the model's own instruction (<see cref="EmbeddingPrefixes"/>).</summary>
    public string? DocumentPrefix { get; init; }
}

/// <summary>
/// The task instructions embedding models were trained with, from their model cards: without them
/// the model embeds queries and documents in mismatched regions and recall drops.
/// </summary>
public static class EmbeddingPrefixes
{
    private const string RetrievalQuery = "Represent this sentence for searching relevant passages: ";

    /// <summary>The query and document prefixes for an Ollama model name (<c>nomic-embed-text:v1.5</c>); empty for models that need none.</summary>
    public static (string Query, string Document) For(string model)
    {
        var name = model.ToLowerInvariant();
        name = name[(name.LastIndexOf('/') + 1)..];
        var colon = name.IndexOf(':');
        if (colon >= 0) name = name[..colon];
        return name switch
        {
            "nomic-embed-text" or "nomic-embed-text-v2-moe" => ("search_query: ", "search_document: "),
            "mxbai-embed-large" or "snowflake-arctic-embed" => (RetrievalQuery, ""),
            "snowflake-arctic-embed2" => ("query: ", ""),
            _ => ("", ""),
        };
    }
}
