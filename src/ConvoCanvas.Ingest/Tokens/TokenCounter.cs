using ConvoCanvas.Ingest.Model;
using Microsoft.ML.Tokenizers;

namespace ConvoCanvas.Ingest.Tokens;

/// <summary>
/// Counts tokens with cl100k (GPT-4's encoding), offline. No one tokenizer fits every model the
/// person uses (Claude, Llama, Qwen each have their own); cl100k is a stable, well-known yardstick
/// that lands within roughly ten percent of the others on English prose and code, which is enough to
/// say "this conversation no longer fits an 8k window".
/// </summary>
public sealed class TokenCounter
{
    /// <summary>
    /// Tokens each message costs beyond its text: the role and the separators chat templates wrap
    /// around every turn (OpenAI documents 3 plus 1 for the role for GPT-4; Llama and ChatML templates
    /// spend a similar handful).
    /// </summary>
    public const int PerMessageOverhead = 4;

    // Loading the vocabulary takes a moment and ~10 MB; the tokenizer is safe to share across threads.
    private static readonly Lazy<TiktokenTokenizer> SharedTokenizer = new(() => TiktokenTokenizer.CreateForModel("gpt-4"));

    public static TokenCounter Default { get; } = new();

    private TiktokenTokenizer Tokenizer => SharedTokenizer.Value;

    public int Count(string text) => string.IsNullOrEmpty(text) ? 0 : Tokenizer.CountTokens(text);

    /// <summary>
    /// A message's cost in a model's context: its text, its tool calls and results (they are sent back
    /// to the model every turn), and the overhead. Thinking is left out: providers drop earlier turns'
    /// reasoning from the context.
    /// </summary>
    public int CountMessage(Message message) => PerMessageOverhead + Count(ContextText(message));

    /// <summary>The running context of the conversation: the messages of its active path.</summary>
    public int CountConversation(Conversation conversation) => ActiveMessages(conversation).Sum(CountMessage);

    /// <summary>The text of a message that would be sent to a model.</summary>
    public static string ContextText(Message message)
    {
        var parts = new List<string>();
        if (message.Text.Length > 0) parts.Add(message.Text);
        foreach (var block in message.Blocks)
        {
            if (block.Kind is not (BlockKinds.ToolUse or BlockKinds.ToolResult or BlockKinds.Code or BlockKinds.ExecutionOutput)) continue;
            if (string.IsNullOrEmpty(block.Text) || message.Text.Contains(block.Text, StringComparison.Ordinal)) continue;
            parts.Add(block.Kind == BlockKinds.ToolUse && block.Name is not null ? $"{block.Name} {block.Text}" : block.Text);
        }

        return string.Join("\n", parts);
    }

    /// <summary>The active path's messages, root first; without a path (a flat export), all messages in order.</summary>
    public static IReadOnlyList<Message> ActiveMessages(Conversation conversation)
    {
        if (conversation.ActivePath.Count == 0) return conversation.Messages;
        var byId = new Dictionary<string, Message>(StringComparer.Ordinal);
        foreach (var message in conversation.Messages) byId.TryAdd(message.Id, message);
        return conversation.ActivePath.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
    }

    /// <summary>The longest prefix of <paramref name="text"/> that is at most <paramref name="maxTokens"/> tokens.</summary>
    public string Truncate(string text, int maxTokens)
    {
        if (maxTokens <= 0 || string.IsNullOrEmpty(text)) return "";
        var index = Tokenizer.GetIndexByTokenCount(text, maxTokens, out _, out _);
        return text[..index];
    }
}
