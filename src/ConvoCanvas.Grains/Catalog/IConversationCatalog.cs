using ConvoCanvas.Abstractions;

namespace ConvoCanvas.Grains.Catalog;

/// <summary>
/// The conversation catalogue: one row per conversation, for lists, filters and stats.
/// It is a read model the conversation grains keep; grain state stays the source of truth.
/// </summary>
public interface IConversationCatalog
{
    Task UpsertAsync(ConversationSummary summary, CancellationToken cancellationToken = default);

    Task<ConversationPage> ListAsync(ConversationQuery query, CancellationToken cancellationToken = default);

    Task<CatalogStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>Every conversation id with its content hash: what search reconciliation compares with the index.</summary>
    IAsyncEnumerable<(string Id, string ContentHash)> ListHashesAsync(CancellationToken cancellationToken = default);
}
