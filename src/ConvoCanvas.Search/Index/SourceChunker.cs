using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Ingest.Vault;
using ConvoCanvas.Search.Chunking;
using ConvoCanvas.Search.Embeddings;

namespace ConvoCanvas.Search.Index;

/// <summary>
/// Turns a note or a conversation into the chunks the index stores, sized for the embedder's
/// tokenizer and named with the index's source ids (<see cref="SourceIds"/>).
/// </summary>
public sealed class SourceChunker(IEmbedder embedder, ChunkingOptions? options = null)
{
    private readonly MarkdownChunker _markdown = new(embedder, Fit(embedder, options));
    private readonly ConversationChunker _conversations = new(embedder, Fit(embedder, options));

    /// <summary>A note's chunks; their anchors are plain heading slugs (<c>setup-steps</c>), as in the note's headings.</summary>
    public ChunkedSource Note(string vault, VaultNote note)
    {
        var chunked = Rename(_markdown.Chunk(note, vault), SourceIds.Note(vault, note.Path));
        return chunked with { Chunks = chunked.Chunks.Select(c => c.Anchor is { } a ? c with { Anchor = a.TrimStart('#') } : c).ToList() };
    }

    public ChunkedSource Conversation(Conversation conversation) => Rename(_conversations.Chunk(conversation), SourceIds.Conversation(conversation.Id));

    private static ChunkedSource Rename(ChunkedSource chunked, string sourceId) => new(
        chunked.Source with { SourceId = sourceId },
        chunked.Chunks.Select(c => c with { SourceId = sourceId }).ToList());

    /// <summary>Chunks never exceed what the embedder reads without truncating.</summary>
    private static ChunkingOptions Fit(IEmbedder embedder, ChunkingOptions? options)
    {
        var chosen = options ?? new ChunkingOptions();
        return chosen.MaxTokens > embedder.MaxTokens ? chosen with { MaxTokens = embedder.MaxTokens } : chosen;
    }
}
