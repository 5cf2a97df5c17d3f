using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Search.Embeddings;

namespace ConvoCanvas.Search.Chunking;

/// <summary>
/// Chunks a conversation along the branch the user last saw (<see cref="Conversation.ActivePath"/>):
/// one chunk per turn, a user message with the assistant's replies, "Title", a blank line, then
/// "user: …" and "assistant: …" paragraphs. A turn too big for one chunk is chunked message by
/// message, a long message split along its markdown like a note. Left out: system messages, tool
/// messages, subagent (sidechain) messages and messages without readable text (a tool call alone,
/// an image alone); these carry little a person searches for, and tool output is mostly noise.
/// </summary>
public sealed class ConversationChunker
{
    private readonly TextSplitter splitter;
    private readonly ChunkingOptions options;

    public ConversationChunker(IEmbedder embedder, ChunkingOptions? options = null)
        : this(embedder.CountTokens, MarkdownChunker.Fit(options ?? new ChunkingOptions(), embedder.MaxTokens))
    {
    }

    public ConversationChunker(Func<string, int> countTokens, ChunkingOptions? options = null)
    {
        this.options = options ?? new ChunkingOptions();
        this.options.Validate();
        splitter = new TextSplitter(countTokens);
    }

    public ChunkedSource Chunk(Conversation conversation)
    {
        var branch = ChosenBranch(conversation).ToList();
        var messages = branch.Where(IsIndexed).ToList();
        var title = conversation.Title.Trim().Length > 0 ? conversation.Title.Trim() : "Untitled conversation";
        var source = new SearchSource(
            SourceKind.Conversation,
            conversation.Id,
            title,
            conversation.Source,
            Vault: null,
            Path: null,
            Tags: [],
            conversation.CreatedAt ?? branch.Select(m => m.CreatedAt).FirstOrDefault(t => t is not null),
            conversation.UpdatedAt ?? branch.Select(m => m.CreatedAt).LastOrDefault(t => t is not null),
            MainModel(conversation, messages));

        var assembler = new ChunkAssembler(source.SourceId, splitter, options);
        var prefix = assembler.Prefix(title);
        foreach (var turn in Turns(messages))
        {
            var text = string.Join("\n\n", turn.Select(m => $"{m.Role}: {m.Text.Trim()}"));
            var tokens = splitter.Count(text);

            // A turn with next to no text ("thanks!" and its "you're welcome") joins the one before.
            if (tokens < options.MinTokens && assembler.TryAppendToOpen(text)) continue;

            assembler.Flush();
            if (splitter.Count(prefix) + tokens <= options.MaxTokens)
            {
                assembler.Add(prefix, turn[0].Id, null, text);
                continue;
            }

            foreach (var message in turn)
            {
                assembler.Flush();
                var messagePrefix = prefix + message.Role + ": ";
                foreach (var block in MarkdownChunker.TopLevelBlocks(message.Text))
                    assembler.Add(messagePrefix, message.Id, null, block);
            }
        }

        assembler.Flush();
        return new ChunkedSource(source, assembler.Chunks);
    }

    /// <summary>The active path's messages, root first; without a path (older exports), the messages as listed.</summary>
    private static IEnumerable<Message> ChosenBranch(Conversation conversation)
    {
        if (conversation.ActivePath.Count == 0) return conversation.Messages;
        var byId = new Dictionary<string, Message>(StringComparer.Ordinal);
        foreach (var message in conversation.Messages) byId.TryAdd(message.Id, message);
        return conversation.ActivePath.Select(id => byId.GetValueOrDefault(id)).OfType<Message>();
    }

    private static bool IsIndexed(Message message) =>
        message.Role is MessageRoles.User or MessageRoles.Assistant && !message.IsSidechain && !string.IsNullOrWhiteSpace(message.Text);

    /// <summary>A user message and the assistant messages after it; assistant messages before any user message make a turn of their own.</summary>
    private static IEnumerable<List<Message>> Turns(List<Message> messages)
    {
        var turn = new List<Message>();
        foreach (var message in messages)
        {
            if (message.Role == MessageRoles.User && turn.Count > 0)
            {
                yield return turn;
                turn = [];
            }

            turn.Add(message);
        }

        if (turn.Count > 0) yield return turn;
    }

    private static string? MainModel(Conversation conversation, List<Message> messages) =>
        messages.Where(m => m.Role == MessageRoles.Assistant && !string.IsNullOrEmpty(m.Model))
            .GroupBy(m => m.Model!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).FirstOrDefault()
        ?? conversation.Models.FirstOrDefault();
}
