using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Health;

/// <summary>
/// All a rule may look at: the current snapshot (null when none could be taken), the memory of earlier snapshots
/// (before this one was folded in, so a rule can compare), the watcher's state, the settings, and the clock.
/// </summary>
public sealed record HealthContext(ClusterSnapshot? Snapshot, WatchState Watch, HealthMemory Memory, HealthSettings Settings, DateTimeOffset Now);
