using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains;
using ConvoCanvas.Grains.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace ConvoCanvas.Grains.Tests;

/// <summary>One in-process cluster for the collection: in-memory storage, streams and reminders, the real grains.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public InMemoryConversationCatalog Catalog { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(ProviderNames.Storage);
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.AddMemoryStreams(ProviderNames.Streams);
            silo.UseInMemoryReminderService();
            silo.Services.AddConvoCanvasSerialization();
            silo.Services.AddConvoCanvasGrainServices();
            silo.Services.AddSingleton<IConversationCatalog>(Catalog);
            silo.Services.Configure<ConvoCanvas.Grains.Vaults.VaultOptions>(o => o.WatchDebounce = TimeSpan.FromMilliseconds(200));
        });
        builder.ConfigureClient(client =>
        {
            client.AddMemoryStreams(ProviderNames.Streams);
            client.Services.AddConvoCanvasSerialization();
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
