using System.Globalization;
using System.Text;
using System.Text.Json;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats.ClaudeCode;

/// <summary>A line that is JSON but not a usable session line; the reason names what is wrong.</summary>
internal sealed class ClaudeCodeLineException(string reason) : Exception(reason);

/// <summary>
/// Maps one parsed session line to a <see cref="ClaudeCodeLine"/>. Claude Code splits one
/// assistant turn into several lines that share <c>message.id</c> (thinking, then text, then each
/// tool call). They are kept as separate messages: each line has its own <c>uuid</c> and the next
/// line's <c>parentUuid</c> points at it, so merging would break the tree and make message ids
/// depend on how many lines a turn happened to have.
/// </summary>
internal static class ClaudeCodeLineParser
{
    /// <summary>Claude Code writes this model name on messages it made up itself (API errors, interruptions).</summary>
    public const string SyntheticModel = "<synthetic>";

    public static ClaudeCodeLine Parse(JsonElement line, int lineNumber, string fallbackIdPrefix)
    {
        if (line.ValueKind != JsonValueKind.Object)
            throw new ClaudeCodeLineException($"expected a JSON object, found {Describe(line.ValueKind)}");
        var type = GetString(line, "type") ?? throw new ClaudeCodeLineException("the line has no 'type' field");

        var uuid = GetString(line, "uuid");
        var sidechain = line.TryGetProperty("isSidechain", out var sc) && sc.ValueKind == JsonValueKind.True;
        var agentId = GetString(line, "agentId");
        var result = new ClaudeCodeLine
        {
            LineNumber = lineNumber,
            Type = type,
            SessionId = GetString(line, "sessionId"),
            Uuid = uuid,
            ParentUuid = GetString(line, "parentUuid"),
            LogicalParentUuid = GetString(line, "logicalParentUuid"),
            IsSidechain = sidechain,
            AgentId = agentId,
            Timestamp = GetTime(line, "timestamp"),
            Cwd = GetString(line, "cwd"),
            GitBranch = GetString(line, "gitBranch"),
            Version = GetString(line, "version"),
            IsMeta = line.TryGetProperty("isMeta", out var meta) && meta.ValueKind == JsonValueKind.True,
        };

        var id = uuid ?? $"{fallbackIdPrefix}:line-{lineNumber}";
        var author = sidechain ? agentId ?? "subagent" : null;
        return type switch
        {
            "user" or "assistant" => result with { Message = ChatMessage(line, type, id, author, result) },
            "system" => result with { Message = SystemMessage(line, id, author, result) },
            "summary" when line.TryGetProperty("message", out _) => result with { Message = SummaryMessage(line, id, author, result) },
            "summary" => result with { SummaryTitle = GetString(line, "summary"), LeafUuid = GetString(line, "leafUuid") },
            _ => result, // progress, queue-operation, file-history-snapshot and types added later: no message
        };
    }

    private static Message ChatMessage(JsonElement line, string type, string id, string? author, ClaudeCodeLine meta)
    {
        if (!line.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
            throw new ClaudeCodeLineException($"a '{type}' line needs a 'message' object");

        var blocks = new List<ContentBlock>();
        if (message.TryGetProperty("content", out var content))
        {
            if (content.ValueKind == JsonValueKind.String) blocks.Add(TextBlock(content.GetString()!));
            else if (content.ValueKind == JsonValueKind.Array)
                foreach (var item in content.EnumerateArray()) blocks.Add(Block(item));
        }

        var compactSummary = line.TryGetProperty("isCompactSummary", out var cs) && cs.ValueKind == JsonValueKind.True;
        string role;
        if (compactSummary)
        {
            // The text Claude Code wrote to carry the session past a compaction: a summary, not a prompt.
            role = MessageRoles.System;
            blocks = [new ContentBlock { Kind = BlockKinds.Summary, Text = JoinText(blocks) }];
        }
        else if (type == "assistant") role = MessageRoles.Assistant;
        else if (blocks.Count > 0 && blocks.All(b => b.Kind == BlockKinds.ToolResult)) role = MessageRoles.Tool;
        else role = MessageRoles.User;

        var model = type == "assistant" ? GetString(message, "model") : null;
        return new Message
        {
            Id = id,
            Role = role,
            Author = author,
            CreatedAt = meta.Timestamp,
            Model = model,
            Text = JoinText(blocks),
            Blocks = blocks,
            IsSidechain = meta.IsSidechain,
        };
    }

    private static Message SystemMessage(JsonElement line, string id, string? author, ClaudeCodeLine meta)
    {
        var subtype = GetString(line, "subtype");
        var text = GetString(line, "content") ?? "";
        var block = subtype == "compact_boundary"
            ? new ContentBlock { Kind = BlockKinds.Summary, Text = text, Name = subtype }
            : new ContentBlock { Kind = BlockKinds.Raw, Text = text, Name = subtype, Language = "claude-code/system" };
        return new Message
        {
            Id = id,
            Role = MessageRoles.System,
            Author = author,
            CreatedAt = meta.Timestamp,
            Text = text,
            Blocks = [block],
            IsSidechain = meta.IsSidechain,
        };
    }

    /// <summary>A compaction summary written as a message (newer transcripts) rather than a title line.</summary>
    private static Message SummaryMessage(JsonElement line, string id, string? author, ClaudeCodeLine meta)
    {
        var message = line.GetProperty("message");
        var text = "";
        if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var content))
        {
            text = content.ValueKind == JsonValueKind.String
                ? content.GetString()!
                : JoinText(content.ValueKind == JsonValueKind.Array ? content.EnumerateArray().Select(Block).ToList() : []);
        }

        return new Message
        {
            Id = id,
            Role = MessageRoles.System,
            Author = author,
            CreatedAt = meta.Timestamp,
            Text = text,
            Blocks = [new ContentBlock { Kind = BlockKinds.Summary, Text = text }],
            IsSidechain = meta.IsSidechain,
        };
    }

    private static ContentBlock Block(JsonElement item)
    {
        if (item.ValueKind == JsonValueKind.String) return TextBlock(item.GetString()!);
        if (item.ValueKind != JsonValueKind.Object)
            return new ContentBlock { Kind = BlockKinds.Raw, Text = item.GetRawText(), Language = "application/json" };

        var kind = GetString(item, "type");
        return kind switch
        {
            "text" => TextBlock(GetString(item, "text") ?? ""),
            "thinking" => new ContentBlock { Kind = BlockKinds.Thinking, Text = GetString(item, "thinking") ?? "" },
            "redacted_thinking" => new ContentBlock { Kind = BlockKinds.Thinking, Text = "[redacted thinking]" },
            "tool_use" => new ContentBlock
            {
                Kind = BlockKinds.ToolUse,
                Name = GetString(item, "name"),
                Reference = GetString(item, "id"),
                Text = item.TryGetProperty("input", out var input) ? input.GetRawText() : "{}",
            },
            "tool_result" => new ContentBlock
            {
                Kind = BlockKinds.ToolResult,
                Reference = GetString(item, "tool_use_id"),
                IsError = item.TryGetProperty("is_error", out var err) && err.ValueKind == JsonValueKind.True,
                Text = ToolResultText(item),
            },
            "image" => ImageBlock(item),
            _ => new ContentBlock { Kind = BlockKinds.Raw, Text = item.GetRawText(), Language = "application/json", Name = kind },
        };
    }

    private static string ToolResultText(JsonElement item)
    {
        if (!item.TryGetProperty("content", out var content)) return "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) return content.GetRawText();
        var parts = new List<string>();
        foreach (var part in content.EnumerateArray())
        {
            var block = Block(part);
            if (block.Text is { Length: > 0 } text) parts.Add(text);
        }

        return string.Join("\n", parts);
    }

    /// <summary>Base64 images are described, not kept: the bytes would dwarf the text and are not searchable.</summary>
    private static ContentBlock ImageBlock(JsonElement item)
    {
        string mediaType = "image";
        long bytes = 0;
        if (item.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object)
        {
            mediaType = GetString(source, "media_type") ?? mediaType;
            if (GetString(source, "data") is { } data) bytes = Base64DecodedLength(data);
        }

        var size = bytes >= 1024 ? $"{Math.Round(bytes / 1024.0, MidpointRounding.AwayFromZero)} KB" : $"{bytes} B";
        return new ContentBlock { Kind = BlockKinds.Image, Language = mediaType, Text = $"[{mediaType} {size}]" };
    }

    internal static long Base64DecodedLength(string data)
    {
        var padding = data.EndsWith("==", StringComparison.Ordinal) ? 2 : data.EndsWith('=') ? 1 : 0;
        return Math.Max(0, data.Length / 4 * 3 - padding);
    }

    private static ContentBlock TextBlock(string text) => new() { Kind = BlockKinds.Text, Text = text };

    /// <summary>The readable text: text and summary blocks. Tool traffic stays in its blocks.</summary>
    private static string JoinText(IEnumerable<ContentBlock> blocks)
    {
        var builder = new StringBuilder();
        foreach (var block in blocks)
        {
            if (block.Kind is not (BlockKinds.Text or BlockKinds.Summary) || string.IsNullOrEmpty(block.Text)) continue;
            if (builder.Length > 0) builder.Append("\n\n");
            builder.Append(block.Text);
        }

        return builder.ToString();
    }

    internal static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static DateTimeOffset? GetTime(JsonElement element, string name) =>
        GetString(element, name) is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
