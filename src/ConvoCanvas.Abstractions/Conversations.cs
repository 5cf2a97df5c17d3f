using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Abstractions;

[GenerateSerializer]
public enum UpsertOutcome
{
    Created = 0,
    Updated = 1,
    Unchanged = 2,
}

/// <summary>What a list shows of a conversation; also the row of the conversation catalogue.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.ConversationSummary")]
public sealed record ConversationSummary
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Source { get; init; }
    [Id(2)] public string Title { get; init; } = "";
    [Id(3)] public DateTimeOffset? CreatedAt { get; init; }
    [Id(4)] public DateTimeOffset? UpdatedAt { get; init; }
    [Id(5)] public IReadOnlyList<string> Models { get; init; } = [];
    [Id(6)] public int MessageCount { get; init; }
    /// <summary>Messages that are not on the active path: other branches (regenerations, edits).</summary>
    [Id(7)] public int OffPathMessageCount { get; init; }
    [Id(8)] public int TokenCount { get; init; }
    [Id(9)] public required string ContentHash { get; init; }
    [Id(10)] public DateTimeOffset ImportedAt { get; init; }
}

/// <summary>Token count of a conversation's active path against common context windows.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.TokenReport")]
public sealed record TokenReport(
    [property: Id(0)] int TotalTokens,
    [property: Id(1)] IReadOnlyList<WindowFit> Windows,
    [property: Id(2)] string Tokenizer);

/// <summary>Whether a conversation overflows one window, and at which message of the active path.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.WindowFit")]
public sealed record WindowFit(
    [property: Id(0)] int WindowTokens,
    [property: Id(1)] bool Overflows,
    [property: Id(2)] int? OverflowAtIndex,
    [property: Id(3)] string? OverflowAtMessageId);

/// <summary>One conversation, keyed <c>{source}:{external id}</c>.</summary>
public interface IConversationGrain : IGrainWithStringKey
{
    /// <summary>Idempotent by content hash: the same conversation twice changes nothing.</summary>
    Task<UpsertOutcome> UpsertAsync(Conversation conversation);

    Task<Conversation?> GetAsync();

    Task<ConversationSummary?> GetSummaryAsync();

    Task<TokenReport?> GetTokenReportAsync();

    /// <summary>An extractive continuation brief that fits <paramref name="windowTokens"/>; null if the conversation is unknown.</summary>
    Task<string?> GetBriefAsync(int windowTokens);

    /// <summary>The search indexer's word on this conversation's content.</summary>
    Task AcknowledgeIndexAsync(IndexAck ack);

    Task<IndexAck?> GetIndexAsync();
}

[GenerateSerializer, Immutable, Alias("convocanvas.ConversationQuery")]
public sealed record ConversationQuery
{
    [Id(0)] public string? Source { get; init; }
    [Id(1)] public string? Model { get; init; }
    [Id(2)] public DateTimeOffset? From { get; init; }
    [Id(3)] public DateTimeOffset? To { get; init; }
    /// <summary>Case-insensitive substring of the title.</summary>
    [Id(4)] public string? Text { get; init; }
    [Id(5)] public int Offset { get; init; }
    [Id(6)] public int Limit { get; init; } = 50;
}

[GenerateSerializer, Immutable, Alias("convocanvas.ConversationPage")]
public sealed record ConversationPage(
    [property: Id(0)] IReadOnlyList<ConversationSummary> Items,
    [property: Id(1)] int Total);

[GenerateSerializer, Immutable, Alias("convocanvas.CatalogStats")]
public sealed record CatalogStats(
    [property: Id(0)] int Conversations,
    [property: Id(1)] long Messages,
    [property: Id(2)] long Tokens,
    [property: Id(3)] IReadOnlyDictionary<string, int> BySource,
    [property: Id(4)] IReadOnlyDictionary<string, int> ByModel);

/// <summary>Lists and counts conversations from the catalogue (a read model kept by the conversation grains).</summary>
public interface IConversationCatalogGrain : IGrainWithIntegerKey
{
    Task<ConversationPage> ListAsync(ConversationQuery query);

    Task<CatalogStats> GetStatsAsync();
}
