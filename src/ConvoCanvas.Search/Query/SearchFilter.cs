namespace ConvoCanvas.Search.Query;

/// <summary>
/// What a search may return. Every field narrows; null or empty means no restriction.
/// </summary>
public sealed record SearchFilter
{
    /// <summary><c>note</c> or <c>conversation</c>.</summary>
    public string? Kind { get; init; }
    /// <summary>Export sources (<c>chatgpt</c>, <c>claude-ai</c>…) or vault names; a hit's source is one of these.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];
    public string? Vault { get; init; }
    /// <summary>Vault-relative folder or file prefix, e.g. <c>projects/</c>.</summary>
    public string? PathPrefix { get; init; }
    /// <summary>Every tag must be present; a tag also matches its nested tags (<c>project</c> matches <c>project/alpha</c>).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    /// <summary>Conversations where this model spoke.</summary>
    public string? Model { get; init; }

    /// <summary>Filters the vector store cannot apply, so its results are filtered afterwards (and over-fetched).</summary>
    internal bool NeedsPostFilter => PathPrefix is not null || Tags.Count > 0 || Sources.Count > 1;

    public static SearchFilter None { get; } = new();
}
