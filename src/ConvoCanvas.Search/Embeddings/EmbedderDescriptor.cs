namespace ConvoCanvas.Search.Embeddings;

/// <summary>
/// What it takes to make an embedder again: its provider and settings, without the server address.
/// The index records the descriptor of the embedder that serves searches, so that after a switch
/// to another embedder the old one can keep answering until the new collection is complete.
/// </summary>
public sealed record EmbedderDescriptor
{
    public const string MiniLm = "minilm";
    public const string Ollama = "ollama";

    /// <summary><see cref="MiniLm"/> or <see cref="Ollama"/>.</summary>
    public required string Provider { get; init; }

    /// <summary>The Ollama model; null for MiniLM.</summary>
    public string? Model { get; init; }

    /// <summary>MiniLM's truncation length; null for its default.</summary>
    public int? MaxTokens { get; init; }

    public string? QueryPrefix { get; init; }

    public string? DocumentPrefix { get; init; }

    public static EmbedderDescriptor ForMiniLm(int? maxTokens = null) => new() { Provider = MiniLm, MaxTokens = maxTokens };

    public static EmbedderDescriptor ForOllama(string model, string? queryPrefix = null, string? documentPrefix = null) =>
        new() { Provider = Ollama, Model = model, QueryPrefix = queryPrefix, DocumentPrefix = documentPrefix };

    /// <summary>
    /// The descriptor of an embedder known only by its id, as indexes written before descriptors
    /// were recorded have it: MiniLM ids can be read back; Ollama ids lose the model's spelling.
    /// </summary>
    public static EmbedderDescriptor? FromId(string id)
    {
        if (id == MiniLmEmbedder.ModelId)
        {
            return ForMiniLm();
        }
        if (id.StartsWith(MiniLmEmbedder.ModelId + "-t", StringComparison.Ordinal)
            && int.TryParse(id.AsSpan(MiniLmEmbedder.ModelId.Length + 2), out var tokens))
        {
            return ForMiniLm(tokens);
        }
        return null;
    }

    /// <param name="ollama">The Ollama server, for <see cref="Ollama"/> descriptors.</param>
    public IEmbedder Create(Uri ollama) => Provider switch
    {
        MiniLm => new MiniLmEmbedder(MaxTokens is { } tokens ? new MiniLmOptions { MaxTokens = tokens } : null),
        Ollama => new OllamaEmbedder(
            new HttpClient { BaseAddress = ollama, Timeout = TimeSpan.FromMinutes(5) },
            new OllamaEmbedderOptions { Model = Model ?? OllamaEmbedderOptions.DefaultModel, QueryPrefix = QueryPrefix, DocumentPrefix = DocumentPrefix },
            ownsHttpClient: true),
        _ => throw new ArgumentException($"embedder provider '{Provider}' is not known: use {MiniLm} or {Ollama}"),
    };
}
