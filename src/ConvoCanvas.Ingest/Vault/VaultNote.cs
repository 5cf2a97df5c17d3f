namespace ConvoCanvas.Ingest.Vault;

/// <summary>One markdown note of a vault, parsed: what the vault document grain stores and indexes.</summary>
public sealed record VaultNote
{
    /// <summary>Relative to the vault root, forward slashes, no leading <c>./</c>: the note's identity in the vault.</summary>
    public required string Path { get; init; }
    public required string Title { get; init; }
    /// <summary>Hex SHA-256 of the file's bytes: unchanged hash, nothing to re-index.</summary>
    public required string ContentHash { get; init; }
    public IReadOnlyDictionary<string, FrontmatterValue> Frontmatter { get; init; } = new Dictionary<string, FrontmatterValue>();
    /// <summary>Lower-case, without <c>#</c>, deduplicated, in order of first appearance (frontmatter first).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<WikiLink> Links { get; init; } = [];
    public IReadOnlyList<WikiLink> Embeds { get; init; } = [];
    public IReadOnlyList<NoteHeading> Headings { get; init; } = [];
    public NoteDates Dates { get; init; } = new();
    /// <summary>The markdown after the frontmatter.</summary>
    public string Body { get; init; } = "";
    /// <summary>Problems that did not stop the parse (invalid frontmatter YAML).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>A frontmatter property: a scalar, or a list of scalars. Nested maps are flattened to dotted keys.</summary>
public sealed record FrontmatterValue
{
    public IReadOnlyList<string> Values { get; init; } = [];
    public bool IsList { get; init; }
    /// <summary>The scalar, or the list joined with ", ".</summary>
    public string Text => string.Join(", ", Values);

    public static FrontmatterValue Scalar(string value) => new() { Values = [value] };
    public static FrontmatterValue List(IReadOnlyList<string> values) => new() { Values = values, IsList = true };
}

/// <summary><c>[[Target#Heading|Alias]]</c>, or with a leading <c>!</c> an embed.</summary>
/// <param name="InFrontmatter">The link is a frontmatter value (Obsidian properties link notes this way).</param>
public sealed record WikiLink(string Target, string? Heading, string? Alias, bool InFrontmatter = false);

/// <param name="Anchor">Slug used in URLs: lower case, spaces to hyphens, punctuation dropped, repeats numbered.</param>
public sealed record NoteHeading(int Level, string Text, string Anchor);

/// <summary>Dates a note states about itself; the daily-note date comes from a <c>YYYY-MM-DD</c> file name.</summary>
public sealed record NoteDates
{
    public DateOnly? Created { get; init; }
    public DateOnly? Updated { get; init; }
    public DateOnly? Date { get; init; }
    public DateOnly? DailyNote { get; init; }
}

/// <summary>A file that cannot be a note (binary, not UTF-8, a path outside the vault); the reason is for the user.</summary>
public sealed class VaultFileException(string reason) : Exception(reason);
