using ConvoCanvas.Abstractions;
using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Health.Sinks;
using ConvoCanvas.Cluster.Watching;
using ConvoCanvas.Grains.Cluster;
using ConvoCanvas.Testing;
using ConvoCanvas.Testing.Kubernetes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;

namespace ConvoCanvas.Grains.Tests.Cluster;

/// <summary>
/// An in-process silo whose cluster grains watch the Kubernetes API emulator (real HTTP on loopback, the real
/// KubernetesClient), seeded with the real kind-cluster JSON from ../shared/data/k8s. Intervals are short so the
/// watch, the diagrams and the health rules move in test time. Each test class gets its own emulator and silo.
/// </summary>
public abstract class KubernetesCluster : IAsyncLifetime
{
    public const string Name = "kind";

    private InProcessTestCluster? _cluster;

    public KubernetesEmulator Kubernetes { get; } = new();

    public IClusterClient Client => _cluster!.Client;

    /// <summary>Every alert transition the sinks were given, in order.</summary>
    public RecordingSink Sink { get; } = new();

    public string? DiagramRepository { get; protected set; }

    public IClusterWatcherGrain Watcher => Client.GetGrain<IClusterWatcherGrain>(Name);

    public IDiagramGrain Diagrams => Client.GetGrain<IDiagramGrain>(Name);

    public IHealthGrain Health => Client.GetGrain<IHealthGrain>(Name);

    public static string KindDump => Path.Combine(RepositoryPaths.SharedData ?? throw new InvalidOperationException("../shared/data is missing beside the repository"),
        "k8s", "sonobuoy-kind-cluster", "pkg", "discovery", "testdata", "healthsummary");

    /// <summary>Per test class: the watch's settings beyond the emulator's address and short timeouts.</summary>
    protected virtual ClusterConnectionOptions Configure(ClusterConnectionOptions options) => options;

    public async Task InitializeAsync()
    {
        Kubernetes.SeedFolder(KindDump);
        await Kubernetes.StartAsync();
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(ProviderNames.Storage);
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.AddMemoryStreams(ProviderNames.Streams);
            silo.UseInMemoryReminderService();
            silo.Services.AddConvoCanvasSerialization();
            silo.Services.AddConvoCanvasGrainServices();
            silo.Services.AddSingleton(Options.Create(Configure(new ClusterConnectionOptions
            {
                Name = Name,
                Url = Kubernetes.Url,
                BackoffMin = TimeSpan.FromMilliseconds(50),
                BackoffMax = TimeSpan.FromMilliseconds(200),
                RequestTimeout = TimeSpan.FromSeconds(2),
                WatchTimeout = TimeSpan.FromSeconds(30),
            })));
            silo.Services.Configure<ClusterGrainOptions>(o =>
            {
                o.PublishInterval = TimeSpan.FromMilliseconds(100);
                o.HeartbeatInterval = TimeSpan.FromSeconds(1);
                o.SilenceCheckInterval = TimeSpan.FromMilliseconds(200);
            });
            silo.Services.Configure<DiagramOptions>(o => o.Repository = DiagramRepository);
            silo.Services.AddSingleton(Options.Create(new HealthSettings { SilenceLimit = TimeSpan.FromSeconds(2) }));
            silo.Services.AddSingleton<IAlertSink>(Sink);
            silo.Services.AddSingleton<AlertDispatcher>();
            silo.Services.AddHostedService(services => services.GetRequiredService<AlertDispatcher>());
        });
        builder.ConfigureClient(client => client.Services.AddConvoCanvasSerialization());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        await Watcher.EnsureStartedAsync();
        await Health.EnsureStartedAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        await Kubernetes.DisposeAsync();
    }

    /// <summary>The diagram once <paramref name="done"/> holds (waiting on its changes, not on the clock), or the last one after the time is up.</summary>
    public async Task<ClusterDiagram> DiagramWhenAsync(Func<ClusterDiagram, bool> done, string format = "ascii", TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        var diagram = await Diagrams.GetDiagramAsync(format, 100);
        while (!done(diagram) && DateTime.UtcNow < deadline)
        {
            diagram = await Diagrams.WaitForChangeAsync(diagram.Version, TimeSpan.FromSeconds(2), format, 100);
        }
        return diagram;
    }

    /// <summary>The alerts once <paramref name="done"/> holds, or the last ones after the time is up.</summary>
    public async Task<ClusterAlerts> AlertsWhenAsync(Func<ClusterAlerts, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        var alerts = await Health.GetAlertsAsync(includeResolved: true);
        while (!done(alerts) && DateTime.UtcNow < deadline)
        {
            alerts = await Health.WaitForChangeAsync(alerts.Version, TimeSpan.FromSeconds(2), includeResolved: true);
        }
        return alerts;
    }
}

/// <summary>An alert sink that remembers what it was given.</summary>
public sealed class RecordingSink : IAlertSink
{
    private readonly List<AlertTransition> _seen = [];

    public IReadOnlyList<AlertTransition> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    /// <summary>Completes at the next delivery (then a new one is armed).</summary>
    public Task Delivered
    {
        get
        {
            lock (_seen)
            {
                return _delivered.Task;
            }
        }
    }

    private TaskCompletionSource _delivered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task PublishAsync(AlertTransition transition, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource delivered;
        lock (_seen)
        {
            _seen.Add(transition);
            delivered = _delivered;
            _delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        delivered.TrySetResult();
        return Task.CompletedTask;
    }
}
