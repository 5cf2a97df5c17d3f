namespace ConvoCanvas.Content.Series;

/// <summary>A citation of a draft: footnote n and the source it points at.</summary>
public sealed record DraftCitation(int N, string SourceId, string Path, string? Anchor, string Title);

/// <summary>One version of an episode's text. A re-draft adds a version; the old ones stay.</summary>
public sealed record EpisodeDraft
{
    public const string ByModel = "model";
    public const string Extractive = "extractive";

    public required int Episode { get; init; }
    public required int Version { get; init; }
    /// <summary><see cref="ByModel"/> or <see cref="Extractive"/> (quoted from the sources, no model).</summary>
    public required string Kind { get; init; }
    /// <summary>Markdown, with <c>[^n]</c> footnotes whose definitions end it.</summary>
    public required string Markdown { get; init; }
    public required IReadOnlyList<DraftCitation> Citations { get; init; }
    /// <summary>Citations the model made that pointed at no source, removed.</summary>
    public int RemovedCitations { get; init; }
    public string? Model { get; init; }
    /// <summary>Why this is extractive, when a model was wanted.</summary>
    public string? Note { get; init; }
    public int ModelCalls { get; init; }
    public int PromptTokens { get; init; }
    public int OutputTokens { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>The plan it was drafted from (<see cref="SeriesPlan.PlannedAt"/>): after a re-plan, older drafts are history, not the episode.</summary>
    public DateTimeOffset PlannedAt { get; init; }
}
