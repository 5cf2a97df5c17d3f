namespace ConvoCanvas.Cluster.Health;

/// <summary>
/// What the cluster watcher knows of its own attempts, so health can speak when snapshots stop: when it started, its
/// last attempt, its last success, and the last error.
/// </summary>
public sealed record WatchState
{
    /// <summary>When watching began; silence is counted from here until a first success.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? LastAttemptAt { get; init; }

    public DateTimeOffset? LastSuccessAt { get; init; }

    public string? LastError { get; init; }

    /// <summary>Whether the last attempt reached the Kubernetes API.</summary>
    public bool ApiReachable { get; init; } = true;

    public static WatchState Started(DateTimeOffset at) => new() { StartedAt = at };

    public WatchState Succeeded(DateTimeOffset at) =>
        this with { LastAttemptAt = at, LastSuccessAt = at, LastError = null, ApiReachable = true };

    public WatchState Failed(DateTimeOffset at, string error) =>
        this with { LastAttemptAt = at, LastError = error, ApiReachable = false };
}
