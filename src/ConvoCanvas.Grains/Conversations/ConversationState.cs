using ConvoCanvas.Abstractions;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Grains.Conversations;

[GenerateSerializer, Alias("convocanvas.ConversationState")]
public sealed class ConversationState
{
    /// <summary>The normalised conversation (serialised as JSON: the Ingest model carries no Orleans attributes).</summary>
    [Id(0)] public Conversation? Conversation { get; set; }
    [Id(1)] public string? ContentHash { get; set; }
    [Id(2)] public ConversationSummary? Summary { get; set; }
    [Id(3)] public DateTimeOffset? FirstImportedAt { get; set; }
    [Id(4)] public int Revision { get; set; }
    /// <summary>What the search index last said about this conversation's content.</summary>
    [Id(5)] public IndexAck? Index { get; set; }
}
