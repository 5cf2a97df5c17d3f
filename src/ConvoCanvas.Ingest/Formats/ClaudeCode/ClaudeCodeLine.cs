using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats.ClaudeCode;

/// <summary>What one session line contributed, before the session's messages are linked into a tree.</summary>
internal sealed record ClaudeCodeLine
{
    public required int LineNumber { get; init; }
    public required string Type { get; init; }
    public string? SessionId { get; init; }
    public string? Uuid { get; init; }
    public string? ParentUuid { get; init; }
    /// <summary>Set on a compact boundary, whose <c>parentUuid</c> is null: the message it continues.</summary>
    public string? LogicalParentUuid { get; init; }
    public bool IsSidechain { get; init; }
    public string? AgentId { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public string? Cwd { get; init; }
    public string? GitBranch { get; init; }
    public string? Version { get; init; }
    /// <summary>A <c>summary</c> line's title, with the message it summarises.</summary>
    public string? SummaryTitle { get; init; }
    public string? LeafUuid { get; init; }
    /// <summary>The message this line holds; null for bookkeeping lines (progress, snapshots, queue).</summary>
    public Message? Message { get; init; }
    /// <summary>A user line Claude Code injected (caveats, environment), not typed by the person.</summary>
    public bool IsMeta { get; init; }
}
