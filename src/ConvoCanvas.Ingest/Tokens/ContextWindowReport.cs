using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Tokens;

/// <summary>A model context window size, named as people say it.</summary>
public sealed record ContextWindow(string Name, int Tokens)
{
    public static IReadOnlyList<ContextWindow> Standard { get; } =
    [
        new("4k", 4_096), new("8k", 8_192), new("32k", 32_768), new("128k", 131_072), new("200k", 200_000),
    ];
}

/// <summary>Whether a conversation fits a window, and if not, the message at which it stopped fitting.</summary>
/// <param name="OverflowIndex">Index on the active path of the first message whose running total exceeds the window.</param>
public sealed record WindowFit(ContextWindow Window, bool Overflows, int? OverflowIndex, string? OverflowMessageId);

/// <summary>Token totals of a conversation's active path against the standard context windows.</summary>
public sealed record ContextWindowReport(string ConversationId, int TotalTokens, IReadOnlyList<int> MessageTokens, IReadOnlyList<WindowFit> Windows)
{
    public static ContextWindowReport Create(Conversation conversation, TokenCounter? counter = null, IReadOnlyList<ContextWindow>? windows = null)
    {
        counter ??= TokenCounter.Default;
        windows ??= ContextWindow.Standard;
        var messages = TokenCounter.ActiveMessages(conversation);
        var perMessage = messages.Select(counter.CountMessage).ToList();

        var fits = new List<WindowFit>(windows.Count);
        foreach (var window in windows)
        {
            long running = 0;
            int? overflow = null;
            for (var i = 0; i < perMessage.Count; i++)
            {
                running += perMessage[i];
                if (running <= window.Tokens) continue;
                overflow = i;
                break;
            }

            fits.Add(new WindowFit(window, overflow is not null, overflow, overflow is { } at ? messages[at].Id : null));
        }

        return new ContextWindowReport(conversation.Id, perMessage.Sum(), perMessage, fits);
    }

    public WindowFit For(string windowName) => Windows.Single(w => w.Window.Name == windowName);
}
