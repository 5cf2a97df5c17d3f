namespace ConvoCanvas.Ingest.Model;

/// <summary>Where an imported conversation came from. The value is the first part of its grain key.</summary>
public static class ConversationSources
{
    public const string ChatGpt = "chatgpt";
    public const string ClaudeAi = "claude-ai";
    public const string ClaudeCode = "claude-code";
    public const string LibreChat = "librechat";
    public const string OpenWebUi = "openwebui";

    public static readonly IReadOnlyList<string> All = [ChatGpt, ClaudeAi, ClaudeCode, LibreChat, OpenWebUi];
}

/// <summary>Roles after normalisation; exports use many spellings for these four.</summary>
public static class MessageRoles
{
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string System = "system";
    public const string Tool = "tool";
}

/// <summary>Kinds of <see cref="ContentBlock"/>. Parsers keep anything else as <see cref="Raw"/>.</summary>
public static class BlockKinds
{
    public const string Text = "text";
    public const string Code = "code";
    public const string Thinking = "thinking";
    public const string ReasoningRecap = "reasoning_recap";
    public const string ToolUse = "tool_use";
    public const string ToolResult = "tool_result";
    public const string ExecutionOutput = "execution_output";
    public const string Quote = "quote";
    public const string Attachment = "attachment";
    public const string Image = "image";
    public const string Summary = "summary";
    public const string Raw = "raw";
}

/// <summary>
/// A conversation in ConvoCanvas's normalised shape, whatever export it came from.
/// <see cref="Messages"/> holds every message of every branch (a tree through
/// <see cref="Message.ParentId"/>); <see cref="ActivePath"/> lists, root first, the ids
/// of the branch the user last saw (ChatGPT's <c>current_node</c>, Claude's
/// <c>current_leaf_message_uuid</c>, or the newest leaf).
/// </summary>
public sealed record Conversation
{
    public required string Source { get; init; }
    public required string ExternalId { get; init; }
    public string Title { get; init; } = "";
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    public IReadOnlyList<string> Models { get; init; } = [];
    public IReadOnlyList<Message> Messages { get; init; } = [];
    public IReadOnlyList<string> ActivePath { get; init; } = [];
    /// <summary>Source-specific facts worth keeping (Claude Code's cwd and git branch, a LibreChat endpoint).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>The grain key: <c>{source}:{external id}</c>. Written to JSON for readers; ignored when read back.</summary>
    public string Id => $"{Source}:{ExternalId}";
}

public sealed record Message
{
    public required string Id { get; init; }
    public string? ParentId { get; init; }
    public required string Role { get; init; }
    /// <summary>Who spoke when the role alone does not say: a tool's name, a subagent, a user's display name.</summary>
    public string? Author { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public string? Model { get; init; }
    /// <summary>The readable text of the message: its text blocks joined, for search and token counts.</summary>
    public string Text { get; init; } = "";
    public IReadOnlyList<ContentBlock> Blocks { get; init; } = [];
    /// <summary>Claude Code: a message of a subagent (sidechain) rather than the main thread.</summary>
    public bool IsSidechain { get; init; }
}

/// <summary>One typed piece of a message. Only the fields its kind needs are set.</summary>
public sealed record ContentBlock
{
    public required string Kind { get; init; }
    public string? Text { get; init; }
    /// <summary>Code language, or the original content type of a raw block.</summary>
    public string? Language { get; init; }
    /// <summary>Tool name, file name or attachment name.</summary>
    public string? Name { get; init; }
    /// <summary>Tool call id linking a tool_use to its tool_result; an attachment's pointer.</summary>
    public string? Reference { get; init; }
    public bool IsError { get; init; }
}
