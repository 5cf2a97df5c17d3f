using System.Text.Json;
using ConvoCanvas.Ingest.Json;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats;

/// <summary>
/// Claude.ai's data export: <c>conversations.json</c>, an array of conversations with
/// <c>chat_messages</c>; also one conversation on its own, as the web app's per-chat download gives.
/// </summary>
public sealed class ClaudeAiFormat : JsonExportFormat
{
    public override string Source => ConversationSources.ClaudeAi;

    protected override string DisplayName => "Claude.ai";

    protected override bool Claims(JsonHeadInfo head) =>
        head.Has("chat_messages") || (head.Has("uuid") && head.Has("account") && (head.Has("name") || head.Has("created_at")));

    protected override Conversation Parse(JsonElement element, ParseContext context)
    {
        if (!element.IsArray("chat_messages"))
        {
            throw new ConversationProblem("the conversation has no 'chat_messages' list");
        }
        var externalId = element.Str("uuid") ?? element.Str("conversation_id") ?? ParseContext.DerivedConversationId(element);
        var model = element.Str("model");

        var raw = element.Arr("chat_messages").ToList();
        // Older exports carry no parent links: the list order is the conversation.
        var linear = !raw.Any(m => m.Str("parent_message_uuid") is not null);
        var messages = new List<Message>(raw.Count);
        string? previous = null;
        for (var i = 0; i < raw.Count; i++)
        {
            var message = raw[i];
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new ConversationProblem($"message {i} is {message.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }
            var id = message.Str("uuid") ?? StableIds.Derive(externalId, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            context.CheckMessageSize(message, id);
            var role = message.Str("sender") switch
            {
                "human" or "user" => MessageRoles.User,
                "assistant" => MessageRoles.Assistant,
                var other => throw new ConversationProblem(
                    $"message {(message.Str("uuid") is { } uuid ? $"'{uuid}'" : i.ToString(System.Globalization.CultureInfo.InvariantCulture))} has sender '{other ?? "(none)"}'; expected 'human' or 'assistant'"),
            };
            var blocks = ParseBlocks(message);
            messages.Add(new Message
            {
                Id = id,
                ParentId = linear ? previous : message.Str("parent_message_uuid"),
                Role = role,
                CreatedAt = message.Time("created_at"),
                Model = role == MessageRoles.Assistant ? model : null,
                Text = MessageText.Join(blocks),
                Blocks = blocks,
            });
            previous = id;
        }

        // Without parent links the list is the one branch there is; a current leaf would only cut it short.
        var (tree, activePath) = MessageTree.Build(messages, linear ? null : element.Str("current_leaf_message_uuid"));
        var properties = new Dictionary<string, string>();
        if (element.Str("summary") is { Length: > 0 } summary)
        {
            properties["summary"] = summary;
        }
        return new Conversation
        {
            Source = Source,
            ExternalId = externalId,
            Title = element.Str("name") ?? element.Str("title") ?? "",
            CreatedAt = element.Time("created_at"),
            UpdatedAt = element.Time("updated_at"),
            Models = model is null ? [] : [model],
            Messages = tree,
            ActivePath = activePath,
            Properties = properties,
        };
    }

    private static List<ContentBlock> ParseBlocks(JsonElement message)
    {
        var blocks = new List<ContentBlock>();
        foreach (var block in message.Arr("content"))
        {
            if (ParseBlock(block) is { } parsed)
            {
                blocks.Add(parsed);
            }
        }
        // Some exports (and all older ones) leave content empty or malformed and keep the words in 'text'.
        if (!blocks.Any(b => b.Kind == BlockKinds.Text) && message.Str("text") is { Length: > 0 } text)
        {
            blocks.Insert(0, MessageText.Text(text));
        }
        foreach (var attachment in message.Arr("attachments"))
        {
            blocks.Add(new ContentBlock
            {
                Kind = BlockKinds.Attachment,
                Name = attachment.Str("file_name"),
                Language = attachment.Str("file_type"),
                Text = attachment.Str("extracted_content"),
            });
        }
        var files = message.IsArray("files") ? message.Arr("files") : message.Arr("files_v2");
        foreach (var file in files)
        {
            blocks.Add(new ContentBlock
            {
                Kind = file.Str("file_kind") == "image" ? BlockKinds.Image : BlockKinds.Attachment,
                Name = file.Str("file_name"),
                Reference = file.Str("file_uuid"),
            });
        }
        return blocks;
    }

    private static ContentBlock? ParseBlock(JsonElement block)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            return block.AsString() is { } loose ? MessageText.Text(loose) : null;
        }
        switch (block.Str("type"))
        {
            case "text":
                return block.Str("text") is { } text ? MessageText.Text(text) : null;
            case "thinking":
                return new ContentBlock { Kind = BlockKinds.Thinking, Text = block.Str("thinking") ?? block.Str("text") ?? "" };
            case "tool_use":
                return new ContentBlock
                {
                    Kind = BlockKinds.ToolUse,
                    Name = block.Str("name"),
                    Reference = block.Str("id"),
                    Text = block.Prop("input")?.Raw(),
                };
            case "tool_result":
                return new ContentBlock
                {
                    Kind = BlockKinds.ToolResult,
                    Name = block.Str("name"),
                    Reference = block.Str("tool_use_id"),
                    Text = ToolResultText(block.Prop("content")),
                    IsError = block.Bool("is_error"),
                };
            case var other:
                return new ContentBlock { Kind = BlockKinds.Raw, Language = other, Text = block.Raw() };
        }
    }

    private static string? ToolResultText(JsonElement? content) => content switch
    {
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Array } parts => string.Join("\n", parts.EnumerateArray().Select(p => p.Str("text") ?? p.AsString()).OfType<string>()),
        { } other => other.Raw(),
        null => null,
    };
}
