using ConvoCanvas.Abstractions;
using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Ingest.Tokens;

namespace ConvoCanvas.Grains.Conversations;

/// <summary>Turns the Ingest library's answers (hash, token counts, brief) into the grain API's records.</summary>
public sealed class ConversationAnalyzer(TokenCounter tokens)
{
    private readonly ContinuationBrief _brief = new(tokens);

    public string Hash(Conversation conversation) => ConversationHash.Compute(conversation);

    public ConversationSummary Summarise(Conversation conversation, string hash, DateTimeOffset importedAt) => new()
    {
        Id = conversation.Id,
        Source = conversation.Source,
        Title = conversation.Title,
        CreatedAt = conversation.CreatedAt,
        UpdatedAt = conversation.UpdatedAt,
        Models = conversation.Models,
        MessageCount = conversation.Messages.Count,
        OffPathMessageCount = Math.Max(0, conversation.Messages.Count - conversation.ActivePath.Count),
        TokenCount = tokens.CountConversation(conversation),
        ContentHash = hash,
        ImportedAt = importedAt,
    };

    public TokenReport TokenReport(Conversation conversation)
    {
        var report = ContextWindowReport.Create(conversation, tokens);
        return new TokenReport(
            report.TotalTokens,
            report.Windows.Select(w => new Abstractions.WindowFit(w.Window.Tokens, w.Overflows, w.OverflowIndex, w.OverflowMessageId)).ToList(),
            "cl100k_base");
    }

    public string Brief(Conversation conversation, int windowTokens) => _brief.Build(conversation, windowTokens).Markdown;
}
