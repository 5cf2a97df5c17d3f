using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConvoCanvas.Ingest.Json;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats;

/// <summary>
/// Open WebUI's chat export: an array of <c>{ id, title, chat: { history: { messages, currentId } } }</c>,
/// or one bare <c>chat</c> object. Messages form a tree through <c>parentId</c>; reasoning and tool
/// output are folded into the text as <c>&lt;details type="…"&gt;</c> sections.
/// </summary>
public sealed partial class OpenWebUiFormat : JsonExportFormat
{
    public override string Source => ConversationSources.OpenWebUi;

    protected override string DisplayName => "Open WebUI";

    protected override bool Claims(JsonHeadInfo head) =>
        (head.Has("chat") && (head.Has("user_id") || head.Has("title") || head.Has("id"))) ||
        (head.Has("history") && (head.Has("models") || head.Has("title") || head.Has("messages")));

    protected override string? TitleOf(JsonElement element) => element.Str("title") ?? element.Obj("chat")?.Str("title");

    protected override Conversation Parse(JsonElement element, ParseContext context)
    {
        var chat = element.Obj("chat") ?? element;
        var externalId = element.Str("id") is { Length: > 0 } id ? id : ParseContext.DerivedConversationId(element);
        var models = chat.Arr("models").Select(m => m.AsString()).OfType<string>().Distinct().ToList();

        var history = chat.Obj("history");
        IEnumerable<(string? Key, JsonElement Message)> rawMessages = history?.Obj("messages") is { } map
            ? map.EnumerateObject().Select(p => ((string?)p.Name, p.Value))
            : chat.Arr("messages").Select(m => ((string?)null, m));
        if (history?.Obj("messages") is null && !chat.IsArray("messages"))
        {
            throw new ConversationProblem("the chat has no 'history.messages' and no 'messages' list");
        }

        var messages = new List<Message>();
        var linear = history?.Obj("messages") is null;
        string? previous = null;
        foreach (var (key, raw) in rawMessages)
        {
            if (raw.ValueKind != JsonValueKind.Object)
            {
                throw new ConversationProblem($"message {messages.Count} is {raw.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }
            var messageId = raw.Str("id") ?? key ?? StableIds.Derive(externalId, messages.Count.ToString(CultureInfo.InvariantCulture));
            context.CheckMessageSize(raw, messageId);
            var role = raw.Str("role") switch
            {
                "user" => MessageRoles.User,
                "assistant" => MessageRoles.Assistant,
                "tool" => MessageRoles.Tool,
                _ => MessageRoles.System,
            };
            var model = role == MessageRoles.Assistant ? raw.Str("model") : null;
            if (model is not null && !models.Contains(model))
            {
                models.Add(model);
            }
            var blocks = ParseContent(raw.Prop("content"));
            foreach (var file in raw.Arr("files"))
            {
                blocks.Add(new ContentBlock
                {
                    Kind = file.Str("type") == "image" ? BlockKinds.Image : BlockKinds.Attachment,
                    Name = file.Str("name"),
                    Reference = file.Str("id") ?? file.Str("url"),
                });
            }
            messages.Add(new Message
            {
                Id = messageId,
                ParentId = linear && raw.Prop("parentId") is null ? previous : raw.Str("parentId"),
                Role = role,
                Author = raw.Str("modelName"),
                CreatedAt = raw.Time("timestamp"),
                Model = model,
                Text = MessageText.Join(blocks),
                Blocks = blocks,
            });
            previous = messageId;
        }

        var (tree, activePath) = MessageTree.Build(messages, history?.Str("currentId"));
        var times = messages.Select(m => m.CreatedAt).OfType<DateTimeOffset>().ToList();
        return new Conversation
        {
            Source = Source,
            ExternalId = externalId,
            Title = element.Str("title") ?? chat.Str("title") ?? "",
            CreatedAt = element.Time("created_at") ?? chat.Time("timestamp") ?? (times.Count > 0 ? times.Min() : null),
            UpdatedAt = element.Time("updated_at") ?? (times.Count > 0 ? times.Max() : null),
            Models = models,
            Messages = tree,
            ActivePath = activePath,
        };
    }

    private static List<ContentBlock> ParseContent(JsonElement? content)
    {
        switch (content)
        {
            case { ValueKind: JsonValueKind.String } text:
                return SplitDetails(text.GetString() ?? "");
            case { ValueKind: JsonValueKind.Array } parts:
                // OpenAI-style parts, as Open WebUI keeps for messages with images.
                var blocks = new List<ContentBlock>();
                foreach (var part in parts.EnumerateArray())
                {
                    blocks.AddRange(part.Str("type") switch
                    {
                        "text" => SplitDetails(part.Str("text") ?? ""),
                        "image_url" => [new ContentBlock { Kind = BlockKinds.Image, Reference = part.Obj("image_url")?.Str("url") ?? part.Str("image_url") }],
                        var other => [new ContentBlock { Kind = BlockKinds.Raw, Language = other, Text = part.Raw() }],
                    });
                }
                return blocks;
            default:
                return [];
        }
    }

    /// <summary>
    /// Splits <c>&lt;details type="reasoning"&gt;</c> (a thinking model's thoughts) and
    /// <c>&lt;details type="tool_calls"&gt;</c> (tool output) out of the answer text, in order.
    /// </summary>
    private static List<ContentBlock> SplitDetails(string content)
    {
        var blocks = new List<ContentBlock>();
        var at = 0;
        foreach (Match match in DetailsPattern().Matches(content))
        {
            AddText(blocks, content[at..match.Index]);
            var body = WebUtility.HtmlDecode(match.Groups["body"].Value).Trim();
            var kind = match.Groups["type"].Value switch
            {
                "reasoning" => BlockKinds.Thinking,
                "tool_calls" => BlockKinds.ToolResult,
                _ => BlockKinds.Raw,
            };
            if (kind == BlockKinds.Thinking)
            {
                // Open WebUI quotes each line of the reasoning with "> ".
                body = string.Join('\n', body.Split('\n').Select(line => line.StartsWith("> ", StringComparison.Ordinal) ? line[2..] : line.TrimStart('>')));
            }
            blocks.Add(new ContentBlock { Kind = kind, Text = body, Language = kind == BlockKinds.Raw ? match.Groups["type"].Value : null });
            at = match.Index + match.Length;
        }
        AddText(blocks, content[at..]);
        return blocks;
    }

    private static void AddText(List<ContentBlock> blocks, string text)
    {
        if (!string.IsNullOrWhiteSpace(text))
        {
            blocks.Add(MessageText.Text(text.Trim()));
        }
    }

    [GeneratedRegex("""<details\s+type="(?<type>[a-z_]+)"[^>]*>\s*(?:<summary>.*?</summary>)?(?<body>.*?)</details>""",
        RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex DetailsPattern();
}
