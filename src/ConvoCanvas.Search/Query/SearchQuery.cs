namespace ConvoCanvas.Search.Query;

/// <summary>Which legs of the hybrid search run. <see cref="Hybrid"/> is what users get; the others serve evaluation.</summary>
public enum SearchMode
{
    Hybrid,
    Vector,
    Keyword,
}

public sealed record SearchQuery
{
    public const int MaxLimit = 100;
    /// <summary>Longer queries are cut here (the embedder sees at most a few hundred word-pieces anyway).</summary>
    public const int MaxQueryCharacters = 2000;

    public required string Text { get; init; }
    public int Limit { get; init; } = 10;
    public SearchFilter Filter { get; init; } = SearchFilter.None;
    public SearchMode Mode { get; init; } = SearchMode.Hybrid;
    /// <summary>The keyword leg's weight in the fusion, 0 to <see cref="MaxKeywordWeight"/>; null for <see cref="FusionOptions.KeywordWeight"/>.</summary>
    public double? KeywordWeight { get; init; }

    public const double MaxKeywordWeight = 4;
}

/// <summary>One result: the best-matching chunk of a note or a conversation.</summary>
public sealed record SearchHit
{
    public required string SourceId { get; init; }
    /// <summary><c>note</c> or <c>conversation</c>.</summary>
    public required string Kind { get; init; }
    /// <summary>The vault name for notes; the export source (<c>chatgpt</c>…) for conversations.</summary>
    public required string Source { get; init; }
    public required string Title { get; init; }
    /// <summary>The vault-relative path for notes; the conversation id for conversations.</summary>
    public required string Path { get; init; }
    public string? Vault { get; init; }
    public string? Heading { get; init; }
    /// <summary>A heading slug (<c>#setup</c>) for notes; a message id for conversations.</summary>
    public string? Anchor { get; init; }
    public string ChunkId { get; init; } = "";
    /// <summary>The best chunk's text (without the title line the embedder gets): the passage a question is answered from.</summary>
    public string Text { get; init; } = "";
    public required string Snippet { get; init; }
    /// <summary>Where the query's terms are in <see cref="Snippet"/>: (start, length) pairs.</summary>
    public IReadOnlyList<TextRange> Highlights { get; init; } = [];
    public IReadOnlyList<string> Tags { get; init; } = [];
    public DateTimeOffset? At { get; init; }
    /// <summary>The fused score (weighted reciprocal rank fusion of the two legs' rankings of sources); higher is better.</summary>
    public double Score { get; init; }
    /// <summary>Cosine similarity of the chunk to the query, when the vector leg found it.</summary>
    public double? VectorSimilarity { get; init; }
    /// <summary>Where the vector leg ranked this source (1 first), when it found it.</summary>
    public int? VectorRank { get; init; }
    /// <summary>PostgreSQL's cover-density rank, when the keyword leg found it.</summary>
    public double? KeywordScore { get; init; }
    /// <summary>Where the keyword leg ranked this source (1 first), when it found it.</summary>
    public int? KeywordRank { get; init; }
}

public readonly record struct TextRange(int Start, int Length);

public sealed record SearchResult
{
    public required IReadOnlyList<SearchHit> Hits { get; init; }
    /// <summary>True when a leg could not run (ChromaDB down): the hits come from the other leg only.</summary>
    public bool Partial { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public TimeSpan Elapsed { get; init; }
    public TimeSpan EmbedTime { get; init; }
    public TimeSpan VectorTime { get; init; }
    public TimeSpan KeywordTime { get; init; }
}

/// <summary>A query the searcher will not run (empty, or an unknown filter); the message says why.</summary>
public sealed class InvalidSearchQueryException(string message) : ArgumentException(message);
