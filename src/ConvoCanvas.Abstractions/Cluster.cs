using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Cluster.Watching;
using Orleans.Concurrency;

namespace ConvoCanvas.Abstractions;

/// <summary>
/// What the cluster watcher publishes on the <see cref="StreamNamespaces.Cluster"/> stream: a snapshot when the cluster
/// changed (or a steady heartbeat one), and how the watch stands, also when no snapshot could be taken.
/// </summary>
[GenerateSerializer, Immutable, Alias("convocanvas.ClusterSnapshotTaken")]
public sealed record ClusterSnapshotTaken
{
    [Id(0)] public required string Cluster { get; init; }

    /// <summary>Null when the API could not be read (the watch state says why).</summary>
    [Id(1)] public ClusterSnapshot? Snapshot { get; init; }

    [Id(2)] public required WatchState Watch { get; init; }

    /// <summary>Increases with every publication.</summary>
    [Id(3)] public long Sequence { get; init; }

    /// <summary>What changed since the previous snapshot, a line each (<see cref="SnapshotDiff"/>); empty for a heartbeat.</summary>
    [Id(4)] public IReadOnlyList<string> Changes { get; init; } = [];
}

/// <summary>The watch of one cluster (key: the cluster's name, <c>ConvoCanvas:Cluster:Name</c>).</summary>
public interface IClusterWatcherGrain : IGrainWithStringKey
{
    /// <summary>Starts watching if a cluster is configured (the silo calls it at start; a reminder keeps it going).</summary>
    Task EnsureStartedAsync();

    Task<ClusterWatchStatus> GetStatusAsync();

    /// <summary>Answers when the status's <see cref="ClusterWatchStatus.Version"/> passes <paramref name="afterVersion"/> (connected or not, a new error, new data), or after <paramref name="wait"/>.</summary>
    [AlwaysInterleave]
    Task<ClusterWatchStatus> WaitForStatusChangeAsync(long afterVersion, TimeSpan wait);

    /// <summary>The latest snapshot; null before the first one (or with no cluster configured).</summary>
    Task<ClusterSnapshot?> GetSnapshotAsync();
}

/// <summary>A rendered diagram of a cluster, or why there is none yet.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.ClusterDiagram")]
public sealed record ClusterDiagram
{
    [Id(0)] public required string Cluster { get; init; }

    /// <summary><c>ascii</c> or <c>mermaid</c>.</summary>
    [Id(1)] public required string Format { get; init; }

    /// <summary>Null when there is no snapshot yet; <see cref="Status"/> says why.</summary>
    [Id(2)] public string? Text { get; init; }

    /// <summary>Increases each time the topology or health drawn changes.</summary>
    [Id(3)] public long Version { get; init; }

    [Id(4)] public DateTimeOffset? SnapshotAt { get; init; }

    [Id(5)] public string? Status { get; init; }
}

/// <summary>One change of the drawn picture: when, the diagram's first line at that time, and what changed since the last picture.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.DiagramChange")]
public sealed record DiagramChange(
    [property: Id(0)] long Version,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Summary,
    [property: Id(3)] IReadOnlyList<string> Changes);

/// <summary>The outcome of writing the diagrams into the git repository folder.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.DiagramCommit")]
public sealed record DiagramCommit
{
    [Id(0)] public bool Committed { get; init; }

    /// <summary>The markdown file written (or that would be).</summary>
    [Id(1)] public string? Path { get; init; }

    [Id(2)] public string? CommitId { get; init; }

    /// <summary>"committed", "unchanged since the last commit", "no repository configured", or the error.</summary>
    [Id(3)] public required string Message { get; init; }

    /// <summary>Nothing could be written: no repository configured, no snapshot yet, or git failed.</summary>
    [Id(4)] public bool Failed { get; init; }
}

/// <summary>The cluster's diagrams (key: the cluster's name), re-rendered when what they show changes.</summary>
public interface IDiagramGrain : IGrainWithStringKey
{
    Task<ClusterDiagram> GetDiagramAsync(string format, int width);

    /// <summary>Answers when <see cref="ClusterDiagram.Version"/> passes <paramref name="afterVersion"/>, or after <paramref name="wait"/> with the current one.</summary>
    /// <remarks>Interleaves with everything else: a waiting poll must not hold up the snapshot that answers it.</remarks>
    [AlwaysInterleave]
    Task<ClusterDiagram> WaitForChangeAsync(long afterVersion, TimeSpan wait, string format, int width);

    /// <summary>The most recent changes, newest first.</summary>
    Task<IReadOnlyList<DiagramChange>> GetHistoryAsync(int limit);

    /// <summary>Writes the diagrams into the configured git repository folder and commits if they changed.</summary>
    Task<DiagramCommit> CommitNowAsync();
}

/// <summary>Open alerts and recently resolved ones, with how the watch stands.</summary>
[GenerateSerializer, Immutable, Alias("convocanvas.ClusterAlerts")]
public sealed record ClusterAlerts
{
    [Id(0)] public required string Cluster { get; init; }

    [Id(1)] public IReadOnlyList<Alert> Open { get; init; } = [];

    /// <summary>Newest first; empty unless asked for.</summary>
    [Id(2)] public IReadOnlyList<Alert> Resolved { get; init; } = [];

    [Id(3)] public long Version { get; init; }

    [Id(4)] public DateTimeOffset? EvaluatedAt { get; init; }

    [Id(5)] public WatchState? Watch { get; init; }

    /// <summary>"no cluster configured" and the like; null when watching.</summary>
    [Id(6)] public string? Status { get; init; }
}

/// <summary>The health rules over a cluster's snapshots and the silence between them (key: the cluster's name).</summary>
public interface IHealthGrain : IGrainWithStringKey
{
    Task EnsureStartedAsync();

    Task<ClusterAlerts> GetAlertsAsync(bool includeResolved);

    /// <summary>Answers when the alerts change (<see cref="ClusterAlerts.Version"/> passes <paramref name="afterVersion"/>), or after <paramref name="wait"/>.</summary>
    /// <remarks>Interleaves with everything else: a waiting poll must not hold up the evaluation that answers it.</remarks>
    [AlwaysInterleave]
    Task<ClusterAlerts> WaitForChangeAsync(long afterVersion, TimeSpan wait, bool includeResolved);
}
