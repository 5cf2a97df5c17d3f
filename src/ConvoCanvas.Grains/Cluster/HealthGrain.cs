using ConvoCanvas.Abstractions;
using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Watching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace ConvoCanvas.Grains.Cluster;

/// <summary>The rules' memory and the alert book, and how the watch last stood.</summary>
[GenerateSerializer, Alias("convocanvas.HealthRecord")]
public sealed class HealthRecord
{
    [Id(0)] public HealthEvaluatorState Evaluator { get; set; } = HealthEvaluatorState.Empty;

    [Id(1)] public WatchState? Watch { get; set; }

    [Id(2)] public long Version { get; set; }

    [Id(3)] public DateTimeOffset? EvaluatedAt { get; set; }
}

/// <summary>
/// The silent-failure rules for one cluster (key: the cluster's name). Every snapshot the watcher publishes is
/// evaluated (restart storms, stuck containers, nodes not ready or with a changed IP, DNS, missing pods, the API
/// unreachable); between snapshots a timer evaluates the clock alone, so silence itself raises an alert even when the
/// watcher is gone. Alerts open and resolve once; each transition goes to the sinks (log, webhook) off the grain's
/// turn. A durable reminder brings the grain back after a restart, so silence is caught across restarts too.
/// </summary>
[ImplicitStreamSubscription(StreamNamespaces.Cluster)]
[KeepAlive]
public sealed class HealthGrain(
    IOptions<ClusterConnectionOptions> connection,
    IOptions<HealthSettings> settings,
    IOptions<ClusterGrainOptions> options,
    IServiceProvider services,
    TimeProvider time,
    [PersistentState("cluster-health", ProviderNames.Storage)] IPersistentState<HealthRecord> record) : Grain, IHealthGrain, IRemindable
{
    private const string KeepChecking = "keep-checking";

    private readonly AlertDispatcher? _dispatcher = services.GetService<AlertDispatcher>();
    private HealthEvaluator _evaluator = null!;
    private DateTimeOffset _lastEventAt;
    private DateTimeOffset _savedAt;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private string Cluster => this.GetPrimaryKeyString();

    private bool IsConfiguredCluster => connection.Value.IsConfigured && Cluster == connection.Value.Name;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _evaluator = new HealthEvaluator(settings.Value, record.State.Evaluator);
        _lastEventAt = time.GetUtcNow();
        await this.GetStreamProvider(ProviderNames.Streams)
            .GetStream<ClusterSnapshotTaken>(StreamId.Create(StreamNamespaces.Cluster, Cluster))
            .SubscribeAsync((taken, _) => EvaluateAsync(taken.Snapshot, taken.Watch));
        if (IsConfiguredCluster)
        {
            // Silence counts from the last success before a restart, or from now for a cluster never seen.
            record.State.Watch ??= WatchState.Started(time.GetUtcNow());
            var every = options.Value.SilenceCheckInterval;
            this.RegisterGrainTimer(CheckSilenceAsync, new GrainTimerCreationOptions(every, every) { Interleave = false });
            await this.RegisterOrUpdateReminder(KeepChecking, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
    }

    public Task EnsureStartedAsync() => Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task<ClusterAlerts> GetAlertsAsync(bool includeResolved) => Task.FromResult(View(includeResolved));

    public async Task<ClusterAlerts> WaitForChangeAsync(long afterVersion, TimeSpan wait, bool includeResolved)
    {
        if (record.State.Version <= afterVersion && wait > TimeSpan.Zero)
        {
            await _changed.Task.WaitAsync(wait > TimeSpan.FromSeconds(25) ? TimeSpan.FromSeconds(25) : wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
        return View(includeResolved);
    }

    private ClusterAlerts View(bool includeResolved) => new()
    {
        Cluster = Cluster,
        Open = record.State.Evaluator.Book.Open.OrderByDescending(a => a.Severity).ThenBy(a => a.OpenedAt).ToList(),
        Resolved = includeResolved ? record.State.Evaluator.Book.Resolved : [],
        Version = record.State.Version,
        EvaluatedAt = record.State.EvaluatedAt,
        Watch = record.State.Watch,
        Status = IsConfiguredCluster ? null
            : connection.Value.IsConfigured ? $"this silo watches the cluster '{connection.Value.Name}', not '{Cluster}'" : ClusterClientFactory.NotConfiguredMessage,
    };

    private Task CheckSilenceAsync(CancellationToken cancellationToken) =>
        time.GetUtcNow() - _lastEventAt >= options.Value.SilenceCheckInterval
            ? EvaluateAsync(null, record.State.Watch ?? WatchState.Started(time.GetUtcNow()), fromClock: true)
            : Task.CompletedTask;

    private Task EvaluateAsync(ConvoCanvas.Cluster.Model.ClusterSnapshot? snapshot, WatchState watch) => EvaluateAsync(snapshot, watch, fromClock: false);

    private async Task EvaluateAsync(ConvoCanvas.Cluster.Model.ClusterSnapshot? snapshot, WatchState watch, bool fromClock)
    {
        var now = time.GetUtcNow();
        if (!fromClock)
        {
            _lastEventAt = now;
            // The watch's start is this grain's first sight of it; later events keep it.
            record.State.Watch = watch with { StartedAt = record.State.Watch?.StartedAt ?? watch.StartedAt };
        }
        var evaluation = _evaluator.Evaluate(snapshot, record.State.Watch ?? watch, now);
        record.State.Evaluator = _evaluator.State;
        record.State.EvaluatedAt = now;
        var transitions = evaluation.Changes.Transitions;
        if (transitions.Count > 0)
        {
            record.State.Version++;
            foreach (var transition in transitions)
            {
                _dispatcher?.Enqueue(transition);
            }
            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        // The rules' memory changes with every snapshot; it is saved with each transition and otherwise now and then.
        if (transitions.Count > 0 || now - _savedAt >= options.Value.SaveInterval)
        {
            _savedAt = now;
            await record.WriteStateAsync();
        }
    }
}
