// Temporary: the shapes the chunking and embedding work provides; replaced when it lands.
namespace ConvoCanvas.Search.Chunking
{
    public enum SourceKind { Note, Conversation }

    public sealed record Chunk(string SourceId, int Ordinal, string Text, string ContentHash, string? Anchor, string? Heading, int Tokens);

    public sealed record SearchSource
    {
        public required SourceKind Kind { get; init; }
        public required string SourceId { get; init; }
        public required string Title { get; init; }
        public required string Source { get; init; }
        public string? Vault { get; init; }
        public string? Path { get; init; }
        public IReadOnlyList<string> Tags { get; init; } = [];
        public DateTimeOffset? CreatedAt { get; init; }
        public DateTimeOffset? UpdatedAt { get; init; }
        public string? Model { get; init; }
    }

    public sealed record ChunkedSource(SearchSource Source, IReadOnlyList<Chunk> Chunks);
}

namespace ConvoCanvas.Search.Embeddings
{
    public interface IEmbedder : IDisposable
    {
        string Id { get; }
        int Dimensions { get; }
        int MaxTokens { get; }
        int CountTokens(string text);
        Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
    }
}
