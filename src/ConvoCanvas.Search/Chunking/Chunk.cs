using System.Security.Cryptography;
using System.Text;

namespace ConvoCanvas.Search.Chunking;

public enum SourceKind
{
    Note,
    Conversation,
}

/// <summary>
/// A piece of a note or conversation as it is embedded and keyword-indexed.
/// </summary>
/// <param name="SourceId">The source's key: <c>{vault}/{path}</c> for a note, <c>{source}:{external id}</c> for a conversation.</param>
/// <param name="Ordinal">Position within the source, from 0.</param>
/// <param name="Text">What is embedded, title and heading path first.</param>
/// <param name="ContentHash">First 32 hex digits (lower case) of SHA-256 over <paramref name="Text"/>: unchanged hash, no new embedding.</param>
/// <param name="Anchor">Where the chunk starts: a heading's slug with <c>#</c> for notes, a message id for conversations.</param>
/// <param name="Heading">The heading path, <c>Install &gt; Linux</c>; null before the first heading and for conversations.</param>
/// <param name="Tokens">Tokens of <paramref name="Text"/> as the chunker's counter counts them.</param>
public sealed record Chunk(string SourceId, int Ordinal, string Text, string ContentHash, string? Anchor, string? Heading, int Tokens)
{
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
}

/// <summary>What every chunk of one source shares; stored beside each chunk as filterable metadata.</summary>
/// <param name="Source">The export (<c>chatgpt</c>, <c>claude-ai</c>…) for a conversation; the vault's name for a note.</param>
/// <param name="Path">Vault-relative path of a note.</param>
/// <param name="Model">The model that answered most in a conversation.</param>
public sealed record SearchSource(
    SourceKind Kind,
    string SourceId,
    string Title,
    string Source,
    string? Vault,
    string? Path,
    IReadOnlyList<string> Tags,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    string? Model);

public sealed record ChunkedSource(SearchSource Source, IReadOnlyList<Chunk> Chunks);

public sealed record ChunkingOptions
{
    /// <summary>Most tokens in one chunk, title and heading prefix included.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>Tokens repeated from the end of the previous piece when a block had to be split.</summary>
    public int OverlapTokens { get; init; } = 32;

    /// <summary>A section with less content than this joins the chunk before it when it fits.</summary>
    public int MinTokens { get; init; } = 24;

    internal void Validate()
    {
        if (MaxTokens < 16) throw new ArgumentException($"MaxTokens is {MaxTokens}: a chunk needs room for a prefix and some text (16 at least)");
        if (OverlapTokens < 0 || OverlapTokens > MaxTokens / 4) throw new ArgumentException($"OverlapTokens is {OverlapTokens}: it must be 0..MaxTokens/4 ({MaxTokens / 4})");
        if (MinTokens < 0 || MinTokens > MaxTokens / 2) throw new ArgumentException($"MinTokens is {MinTokens}: it must be 0..MaxTokens/2 ({MaxTokens / 2})");
    }
}
