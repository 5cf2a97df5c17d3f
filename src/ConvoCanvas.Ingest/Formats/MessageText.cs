using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats;

/// <summary>The rule for <see cref="Message.Text"/>, shared by every format so search sees them alike.</summary>
public static class MessageText
{
    // What a reader of the transcript would read; thinking, raw payloads and tool calls are kept
    // as blocks but would drown the text in search results and token counts.
    private static readonly HashSet<string> Readable =
        [BlockKinds.Text, BlockKinds.Code, BlockKinds.Quote, BlockKinds.ExecutionOutput, BlockKinds.ToolResult, BlockKinds.Summary];

    public static string Join(IEnumerable<ContentBlock> blocks) =>
        string.Join("\n\n", blocks.Where(b => Readable.Contains(b.Kind) && !string.IsNullOrEmpty(b.Text)).Select(b => b.Text));

    public static ContentBlock Text(string text) => new() { Kind = BlockKinds.Text, Text = text };
}
