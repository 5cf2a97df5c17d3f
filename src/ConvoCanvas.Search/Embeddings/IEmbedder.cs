namespace ConvoCanvas.Search.Embeddings;

/// <summary>Turns text into vectors for the semantic index. Implementations are thread-safe.</summary>
public interface IEmbedder : IDisposable
{
    /// <summary>Stable name of the model and its settings: part of collection names and of the embedding cache key.</summary>
    string Id { get; }

    /// <summary>Length of every vector <see cref="EmbedAsync"/> returns.</summary>
    int Dimensions { get; }

    /// <summary>Word-pieces the model sees before it truncates; chunkers keep every chunk within this.</summary>
    int MaxTokens { get; }

    /// <summary>Word-pieces as the model's tokenizer counts them, without the model's own markers ([CLS]/[SEP]).</summary>
    int CountTokens(string text);

    /// <summary>Unit-length vectors for documents (chunks to index), one per text, in the order of <paramref name="texts"/>.</summary>
    Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);

    /// <summary>
    /// The unit-length vector of a search query. Models trained with task instructions embed a
    /// query differently from the documents it should find (nomic-embed-text's <c>search_query: </c>
    /// against <c>search_document: </c>); symmetric models such as MiniLM embed both alike.
    /// </summary>
    Task<float[]> EmbedQueryAsync(string query, CancellationToken cancellationToken = default);
}
