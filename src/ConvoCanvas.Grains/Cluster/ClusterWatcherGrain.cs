using ConvoCanvas.Abstractions;
using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Cluster.Watching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace ConvoCanvas.Grains.Cluster;

/// <summary>What survives a restart: the last snapshot and when the watch last succeeded.</summary>
[GenerateSerializer, Alias("convocanvas.ClusterWatcherRecord")]
public sealed class ClusterWatcherRecord
{
    [Id(0)] public ClusterSnapshot? Snapshot { get; set; }

    [Id(1)] public DateTimeOffset? LastSuccessAt { get; set; }

    [Id(2)] public long Sequence { get; set; }
}

/// <summary>
/// The watch of one cluster (key: <c>ConvoCanvas:Cluster:Name</c>). It runs a <see cref="ClusterWatcher"/> (list and
/// watch through KubernetesClient) beside the grain and, each <see cref="ClusterGrainOptions.PublishInterval"/>,
/// publishes a snapshot on the cluster stream when the cluster changed or the heartbeat is due, and the watch's
/// failures when it cannot read the API; the diagram and health grains consume them. A durable reminder brings it
/// back after a restart. With no cluster configured it says so and does nothing.
/// </summary>
[Reentrant, KeepAlive]
public sealed partial class ClusterWatcherGrain(
    IOptions<ClusterConnectionOptions> connection,
    IOptions<ClusterGrainOptions> options,
    ILoggerFactory loggers,
    TimeProvider time,
    [PersistentState("cluster-watch", ProviderNames.Storage)] IPersistentState<ClusterWatcherRecord> record) : Grain, IClusterWatcherGrain, IRemindable
{
    private const string KeepWatching = "keep-watching";

    private readonly ILogger _logger = loggers.CreateLogger<ClusterWatcherGrain>();
    private ClusterWatcher? _watcher;
    private CancellationTokenSource? _stop;
    private Task? _running;
    private long _publishedVersion = -1;
    private DateTimeOffset _publishedAt;
    private DateTimeOffset _savedAt;
    private WatchState _watch = WatchState.Started(DateTimeOffset.MinValue);
    private DnsProbeResult? _dns;
    private Task<DnsProbeResult>? _probing;

    private bool IsConfiguredCluster => connection.Value.IsConfigured && this.GetPrimaryKeyString() == connection.Value.Name;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!IsConfiguredCluster)
        {
            return;
        }
        var now = time.GetUtcNow();
        _watch = WatchState.Started(now) with { LastSuccessAt = record.State.LastSuccessAt };
        _watcher = new ClusterWatcher(connection.Value, loggers.CreateLogger<ClusterWatcher>(), timeProvider: time);
        _stop = new CancellationTokenSource();
        var watcher = _watcher;
        var stop = _stop.Token;
        // The watch loop is not grain code: it only fills the watcher's own store, off the grain's scheduler.
        _running = Task.Run(() => watcher.RunAsync(stop), CancellationToken.None);
        this.RegisterGrainTimer(PublishAsync, new GrainTimerCreationOptions(options.Value.PublishInterval, options.Value.PublishInterval) { Interleave = false });
        await this.RegisterOrUpdateReminder(KeepWatching, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        ClusterGrainLog.Watching(_logger, connection.Value.Name);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync();
            if (_running is not null)
            {
                await _running.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            }
            _watcher?.Dispose();
            _stop.Dispose();
        }
        if (record.State.Snapshot is not null)
        {
            await record.WriteStateAsync(cancellationToken);
        }
    }

    public Task EnsureStartedAsync() => Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task<ClusterWatchStatus> GetStatusAsync()
    {
        if (_watcher is not null)
        {
            return Task.FromResult(_watcher.Status);
        }
        var configured = connection.Value.IsConfigured;
        return Task.FromResult(new ClusterWatchStatus
        {
            Cluster = this.GetPrimaryKeyString(),
            Configured = false,
            LastError = configured
                ? $"this silo watches the cluster '{connection.Value.Name}', not '{this.GetPrimaryKeyString()}'"
                : ClusterClientFactory.NotConfiguredMessage,
        });
    }

    public async Task<ClusterWatchStatus> WaitForStatusChangeAsync(long afterVersion, TimeSpan wait)
    {
        if (_watcher is { } watcher && watcher.Version <= afterVersion && wait > TimeSpan.Zero)
        {
            // At most 25 s: under the Orleans response timeout.
            using var limit = new CancellationTokenSource(wait > TimeSpan.FromSeconds(25) ? TimeSpan.FromSeconds(25) : wait);
            await ((Task)watcher.WaitForChangeAsync(afterVersion, limit.Token)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
        return await GetStatusAsync();
    }

    public Task<ClusterSnapshot?> GetSnapshotAsync() => Task.FromResult(record.State.Snapshot);

    /// <summary>
    /// The latest DNS answer; a new lookup starts when the last is older than the interval. The lookup runs off the
    /// grain's turn and its answer joins the next snapshot, so a slow resolver never delays a publication.
    /// </summary>
    private DnsProbeResult? ProbeDns(DateTimeOffset now)
    {
        if (connection.Value.EffectiveDnsProbeName is not { } name)
        {
            return null;
        }
        if (_probing is null && (_dns is null || now - _dns.At >= connection.Value.DnsProbeInterval - options.Value.PublishInterval))
        {
            _probing = Task.Run(() => DnsProbe.LookUpAsync(name, TimeSpan.FromSeconds(5), time));
        }
        return _dns;
    }

    /// <summary>One publication when something changed, the heartbeat is due, or the watch's health changed.</summary>
    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        if (_watcher is null)
        {
            return;
        }
        var now = time.GetUtcNow();
        var version = _watcher.Version;
        // A finished lookup is taken in at every tick; one that flips (ok to failing or back) is news too.
        var dnsFlipped = false;
        if (_probing is { IsCompleted: true } probe)
        {
            var answer = probe.IsCompletedSuccessfully
                ? probe.Result
                : new DnsProbeResult(connection.Value.EffectiveDnsProbeName ?? "", false, probe.Exception?.GetBaseException().Message ?? "the lookup failed", now);
            dnsFlipped = answer.Ok != _dns?.Ok;
            _dns = answer;
            _probing = null;
        }
        if (version == _publishedVersion && now - _publishedAt < options.Value.HeartbeatInterval && !dnsFlipped)
        {
            return;
        }
        var status = _watcher.Status;
        ClusterSnapshot? snapshot = null;
        IReadOnlyList<string> changes = [];
        if (status.Connected)
        {
            var resources = _watcher.Current();
            snapshot = SnapshotBuilder.Build(connection.Value.Name, resources with { ServerVersion = status.ServerVersion ?? resources.ServerVersion }, now)
                with { Dns = ProbeDns(now) };
            changes = SnapshotDiff.Between(record.State.Snapshot, snapshot);
            _watch = _watch.Succeeded(now);
            record.State.Snapshot = snapshot;
            record.State.LastSuccessAt = now;
        }
        else if (status.LastError is { } error && status.LastErrorAt is { } at && at > (_watch.LastAttemptAt ?? DateTimeOffset.MinValue))
        {
            _watch = _watch.Failed(at, error);
        }
        else if (status.LastContact is null && status.LastErrorAt is null)
        {
            // Still making its first lists: nothing to say yet.
            return;
        }
        record.State.Sequence++;
        var taken = new ClusterSnapshotTaken { Cluster = connection.Value.Name, Snapshot = snapshot, Watch = _watch, Sequence = record.State.Sequence, Changes = changes };
        await this.GetStreamProvider(ProviderNames.Streams)
            .GetStream<ClusterSnapshotTaken>(StreamId.Create(StreamNamespaces.Cluster, connection.Value.Name))
            .OnNextAsync(taken);
        _publishedVersion = version;
        _publishedAt = now;
        if (now - _savedAt >= options.Value.SaveInterval)
        {
            _savedAt = now;
            await record.WriteStateAsync(cancellationToken);
        }
    }
}

internal static partial class ClusterGrainLog
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Watching the Kubernetes cluster '{Cluster}'")]
    public static partial void Watching(ILogger logger, string cluster);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Committing the diagrams of cluster '{Cluster}' failed: {Error}")]
    public static partial void CommitFailed(ILogger logger, string cluster, string error);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Diagrams of cluster '{Cluster}': {Message} ({File})")]
    public static partial void Committed(ILogger logger, string cluster, string message, string? file);
}
