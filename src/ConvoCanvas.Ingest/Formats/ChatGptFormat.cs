using System.Text.Json;
using ConvoCanvas.Ingest.Json;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats;

/// <summary>
/// ChatGPT's data export: <c>conversations.json</c>, or in newer exports <c>conversations-000.json</c>,
/// <c>conversations-001.json</c>… each an array of conversations. A conversation is a tree of nodes in
/// <c>mapping</c>; <c>current_node</c> is the leaf the user last saw.
/// </summary>
public sealed class ChatGptFormat : JsonExportFormat
{
    public override string Source => ConversationSources.ChatGpt;

    protected override string DisplayName => "ChatGPT";

    protected override bool Claims(JsonHeadInfo head) =>
        !head.Has("chat_messages") && (head.Has("mapping") || head.Has("current_node") || head.Has("default_model_slug"));

    protected override Conversation Parse(JsonElement element, ParseContext context)
    {
        if (element.Obj("mapping") is not { } mapping)
        {
            throw new ConversationProblem("the conversation has no 'mapping' (its messages are missing from the export)");
        }
        var externalId = element.Str("conversation_id") ?? element.Str("id") ?? ParseContext.DerivedConversationId(element);

        // Collect nodes first: a node's parent may come later in the mapping.
        var nodes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in mapping.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object && !nodes.TryAdd(property.Name, property.Value))
            {
                throw new ConversationProblem($"node '{property.Name}' appears twice in the mapping");
            }
        }

        var messages = new List<Message>();
        var models = new List<string>();
        foreach (var id in NodeOrder(nodes))
        {
            if (nodes[id].Obj("message") is not { } message)
            {
                continue; // the null root, and nodes whose message was dropped from the export
            }
            context.CheckMessageSize(message, id);
            var parsed = ParseMessage(id, message, ParentWithMessage(nodes, id));
            if (parsed.Model is { } model && !models.Contains(model))
            {
                models.Add(model);
            }
            messages.Add(parsed);
        }
        if (element.Str("default_model_slug") is { } defaultModel && !models.Contains(defaultModel))
        {
            models.Add(defaultModel);
        }

        var current = element.Str("current_node");
        if (current is not null && nodes.ContainsKey(current) && nodes[current].Obj("message") is null)
        {
            current = ParentWithMessage(nodes, current);
        }
        var (tree, activePath) = MessageTree.Build(messages, current);
        return new Conversation
        {
            Source = Source,
            ExternalId = externalId,
            Title = element.Str("title") ?? "",
            CreatedAt = JsonValues.EpochTime(element.Number("create_time")),
            UpdatedAt = JsonValues.EpochTime(element.Number("update_time")),
            Models = models,
            Messages = tree,
            ActivePath = activePath,
        };
    }

    /// <summary>Roots first, then children in the order the export lists them; orphans of a broken tree last.</summary>
    private static List<string> NodeOrder(Dictionary<string, JsonElement> nodes)
    {
        var order = new List<string>(nodes.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        foreach (var (id, node) in nodes)
        {
            if (node.Str("parent") is not { } parent || !nodes.ContainsKey(parent))
            {
                stack.Push(id);
                while (stack.Count > 0)
                {
                    var next = stack.Pop();
                    if (!seen.Add(next))
                    {
                        continue;
                    }
                    order.Add(next);
                    var children = nodes[next].Arr("children").Select(c => c.AsString()).OfType<string>()
                        .Where(nodes.ContainsKey).Reverse();
                    foreach (var child in children)
                    {
                        stack.Push(child);
                    }
                }
            }
        }
        order.AddRange(nodes.Keys.Where(id => !seen.Contains(id)));
        return order;
    }

    /// <summary>The nearest ancestor that has a message: children of the null root become roots.</summary>
    private static string? ParentWithMessage(Dictionary<string, JsonElement> nodes, string id)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { id };
        var parent = nodes[id].Str("parent");
        while (parent is not null && nodes.TryGetValue(parent, out var node) && seen.Add(parent))
        {
            if (node.Obj("message") is not null)
            {
                return parent;
            }
            parent = node.Str("parent");
        }
        return null;
    }

    private static Message ParseMessage(string id, JsonElement message, string? parentId)
    {
        var author = message.Obj("author");
        var role = author?.Str("role") switch
        {
            "user" => MessageRoles.User,
            "assistant" => MessageRoles.Assistant,
            "tool" => MessageRoles.Tool,
            _ => MessageRoles.System,
        };
        var metadata = message.Obj("metadata");
        var blocks = ParseContent(message, role);
        foreach (var attachment in metadata?.Arr("attachments") ?? [])
        {
            blocks.Add(new ContentBlock
            {
                Kind = BlockKinds.Attachment,
                Name = attachment.Str("name"),
                Reference = attachment.Str("id") ?? attachment.Str("file_id"),
                Language = attachment.Str("mime_type"),
            });
        }
        return new Message
        {
            Id = id,
            ParentId = parentId,
            Role = role,
            // Roles outside the four are kept as the author so nothing is lost by normalising.
            Author = author?.Str("name") ?? (author?.Str("role") is { } original && original != role ? original : null),
            CreatedAt = JsonValues.EpochTime(message.Number("create_time")),
            Model = metadata?.Str("model_slug"),
            Text = MessageText.Join(blocks),
            Blocks = blocks,
        };
    }

    private static List<ContentBlock> ParseContent(JsonElement message, string role)
    {
        var blocks = new List<ContentBlock>();
        if (message.Obj("content") is not { } content)
        {
            return blocks;
        }
        var type = content.Str("content_type") ?? "";
        var recipient = message.Str("recipient");
        switch (type)
        {
            case "text":
                var text = string.Join("\n", content.Arr("parts").Select(p => p.AsString()).OfType<string>());
                // An assistant message addressed to a tool is the call, not an answer.
                blocks.Add(role == MessageRoles.Assistant && recipient is not (null or "all")
                    ? new ContentBlock { Kind = BlockKinds.ToolUse, Name = recipient, Text = text }
                    : MessageText.Text(text));
                break;
            case "multimodal_text":
                foreach (var part in content.Arr("parts"))
                {
                    blocks.Add(part.ValueKind == JsonValueKind.Object ? AssetBlock(part) : MessageText.Text(part.AsString() ?? ""));
                }
                break;
            case "code":
                blocks.Add(new ContentBlock { Kind = BlockKinds.Code, Text = content.Str("text") ?? "", Language = content.Str("language"), Name = recipient is "all" ? null : recipient });
                break;
            case "thoughts":
                foreach (var thought in content.Arr("thoughts"))
                {
                    blocks.Add(new ContentBlock { Kind = BlockKinds.Thinking, Text = thought.Str("content") ?? "", Name = thought.Str("summary") });
                }
                foreach (var part in content.Arr("parts"))
                {
                    blocks.Add(new ContentBlock { Kind = BlockKinds.Thinking, Text = part.AsString() ?? "" });
                }
                break;
            case "reasoning_recap":
                var recap = content.Str("content") ?? string.Join("\n", content.Arr("parts").Select(p => p.AsString()).OfType<string>());
                blocks.Add(new ContentBlock { Kind = BlockKinds.ReasoningRecap, Text = recap });
                break;
            case "execution_output":
                blocks.Add(new ContentBlock { Kind = BlockKinds.ExecutionOutput, Text = content.Str("text") ?? "" });
                break;
            case "tether_quote":
                blocks.Add(new ContentBlock { Kind = BlockKinds.Quote, Text = content.Str("text") ?? "", Name = content.Str("title"), Reference = content.Str("url") });
                break;
            case "tether_browsing_display":
                blocks.Add(new ContentBlock { Kind = BlockKinds.ToolResult, Text = content.Str("result") ?? content.Str("summary") ?? "", Name = message.Obj("author")?.Str("name") });
                break;
            case "user_editable_context":
                // The user's custom instructions, shown to the model as context.
                var parts = new[] { content.Str("user_profile"), content.Str("user_instructions") }.Where(p => !string.IsNullOrEmpty(p));
                blocks.Add(MessageText.Text(string.Join("\n\n", parts)));
                break;
            default:
                blocks.Add(new ContentBlock { Kind = BlockKinds.Raw, Language = type, Text = content.Raw() });
                break;
        }
        return blocks;
    }

    private static ContentBlock AssetBlock(JsonElement part)
    {
        var type = part.Str("content_type") ?? "";
        return new ContentBlock
        {
            Kind = type == "image_asset_pointer" ? BlockKinds.Image : BlockKinds.Attachment,
            Reference = part.Str("asset_pointer"),
            Language = type,
            Text = part.Str("text"),
        };
    }
}
