using System.Globalization;
using System.Text.Json;
using ConvoCanvas.Ingest.Json;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats;

/// <summary>
/// LibreChat's conversation export: one conversation per file, its <c>messages</c> either a flat list
/// linked by <c>parentMessageId</c> or (with <c>recursive</c>) a tree nested through <c>children</c>.
/// </summary>
public sealed class LibreChatFormat : JsonExportFormat
{
    public override string Source => ConversationSources.LibreChat;

    protected override string DisplayName => "LibreChat";

    protected override bool Claims(JsonHeadInfo head) =>
        head.Has("conversationId") && (head.Has("messages") || head.Has("recursive") || head.Has("exportAt"));

    protected override Conversation Parse(JsonElement element, ParseContext context)
    {
        if (!element.IsArray("messages"))
        {
            throw new ConversationProblem("the conversation has no 'messages' list");
        }
        var externalId = element.Str("conversationId") ?? ParseContext.DerivedConversationId(element);

        var messages = new List<Message>();
        var models = new List<string>();
        // Depth-first with an explicit stack: nesting is bounded by MaxJsonDepth, but recursion need not be trusted.
        var stack = new Stack<(JsonElement Message, string? Parent)>();
        foreach (var top in element.Arr("messages").Reverse())
        {
            stack.Push((top, null));
        }
        string? previous = null;
        while (stack.Count > 0)
        {
            var (raw, treeParent) = stack.Pop();
            if (raw.ValueKind != JsonValueKind.Object)
            {
                throw new ConversationProblem($"message {messages.Count} is {raw.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }
            var id = raw.Str("messageId") ?? StableIds.Derive(externalId, messages.Count.ToString(CultureInfo.InvariantCulture));
            context.CheckMessageSize(raw, id);
            var parsed = ParseMessage(raw, id, raw.Str("parentMessageId") ?? treeParent ?? (raw.Prop("parentMessageId") is null && !raw.IsArray("children") ? previous : null));
            if (parsed.Model is { } model && !models.Contains(model))
            {
                models.Add(model);
            }
            messages.Add(parsed);
            previous = id;
            foreach (var child in raw.Arr("children").Reverse())
            {
                stack.Push((child, id));
            }
        }

        var (tree, activePath) = MessageTree.Build(messages, currentLeaf: null);
        var properties = new Dictionary<string, string>();
        if (element.Str("endpoint") is { } endpoint)
        {
            properties["endpoint"] = endpoint;
        }
        var times = messages.Select(m => m.CreatedAt).OfType<DateTimeOffset>().ToList();
        return new Conversation
        {
            Source = Source,
            ExternalId = externalId,
            Title = element.Str("title") ?? "",
            CreatedAt = times.Count > 0 ? times.Min() : null,
            UpdatedAt = times.Count > 0 ? times.Max() : null,
            Models = models,
            Messages = tree,
            ActivePath = activePath,
            Properties = properties,
        };
    }

    private static Message ParseMessage(JsonElement raw, string id, string? parentId)
    {
        var isUser = raw.Bool("isCreatedByUser") || raw.Str("sender") is "user" or "User";
        var blocks = new List<ContentBlock>();
        foreach (var part in raw.Arr("content"))
        {
            if (ParsePart(part) is { } block)
            {
                blocks.Add(block);
            }
        }
        if (!blocks.Any(b => b.Kind == BlockKinds.Text) && raw.Str("text") is { Length: > 0 } text)
        {
            blocks.Insert(0, MessageText.Text(text));
        }
        foreach (var file in raw.Arr("files"))
        {
            blocks.Add(new ContentBlock { Kind = BlockKinds.Attachment, Name = file.Str("filename"), Reference = file.Str("file_id") });
        }
        return new Message
        {
            Id = id,
            ParentId = parentId,
            Role = isUser ? MessageRoles.User : MessageRoles.Assistant,
            Author = raw.Str("sender"),
            CreatedAt = raw.Time("createdAt"),
            Model = isUser ? null : raw.Str("model"),
            Text = MessageText.Join(blocks),
            Blocks = blocks,
        };
    }

    /// <summary>Newer LibreChat messages carry typed parts; text may be a string or <c>{ value }</c>.</summary>
    private static ContentBlock? ParsePart(JsonElement part)
    {
        switch (part.Str("type"))
        {
            case "text":
                var text = part.Str("text") ?? part.Obj("text")?.Str("value");
                return text is null ? null : MessageText.Text(text);
            case "think":
                return new ContentBlock { Kind = BlockKinds.Thinking, Text = part.Str("think") ?? part.Obj("think")?.Str("value") ?? "" };
            case "tool_call":
                var call = part.Obj("tool_call");
                return new ContentBlock
                {
                    Kind = BlockKinds.ToolUse,
                    Name = call?.Str("name"),
                    Reference = call?.Str("id"),
                    Text = call?.Str("args") ?? call?.Prop("args")?.Raw(),
                };
            case var other:
                return new ContentBlock { Kind = BlockKinds.Raw, Language = other, Text = part.Raw() };
        }
    }
}
