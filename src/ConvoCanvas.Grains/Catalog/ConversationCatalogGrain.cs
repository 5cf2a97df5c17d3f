using ConvoCanvas.Abstractions;
using Orleans.Concurrency;

namespace ConvoCanvas.Grains.Catalog;

/// <summary>Stateless front for the catalogue, so clients reach it through the grain API like everything else.</summary>
[StatelessWorker]
public sealed class ConversationCatalogGrain(IConversationCatalog catalog) : Grain, IConversationCatalogGrain
{
    public Task<ConversationPage> ListAsync(ConversationQuery query) => catalog.ListAsync(query);

    public Task<CatalogStats> GetStatsAsync() => catalog.GetStatsAsync();
}
