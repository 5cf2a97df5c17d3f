namespace ConvoCanvas.Cluster.Watching;

/// <summary>How the watch on a cluster stands, for the UI and health checks.</summary>
public sealed record ClusterWatchStatus
{
    public required string Cluster { get; init; }

    /// <summary>False when no cluster is configured (the watcher is idle; <see cref="LastError"/> says what to set).</summary>
    public bool Configured { get; init; }

    /// <summary>Every kind listed and none failing now.</summary>
    public bool Connected { get; init; }

    /// <summary>The last answer from the API server (a list, a watch event, a watch ending as asked).</summary>
    public DateTimeOffset? LastContact { get; init; }

    /// <summary>The most recent failure, naming the kind (kept after reconnecting, with <see cref="LastErrorAt"/>).</summary>
    public string? LastError { get; init; }

    public DateTimeOffset? LastErrorAt { get; init; }

    /// <summary>ADDED, MODIFIED and DELETED watch events applied to the store.</summary>
    public long EventsApplied { get; init; }

    /// <summary>Lists of a kind after its first (410 Gone, the period, recovery from a failure).</summary>
    public long Relists { get; init; }

    /// <summary>The highest resourceVersion seen (lists, events, bookmarks); how far behind the API server the store is.</summary>
    public long ResourceVersion { get; init; }

    /// <summary>The watcher's change count (<see cref="ClusterWatcher.Version"/>), for long polls on the status.</summary>
    public long Version { get; init; }

    /// <summary>The API server's version, read on connecting.</summary>
    public string? ServerVersion { get; init; }
}
