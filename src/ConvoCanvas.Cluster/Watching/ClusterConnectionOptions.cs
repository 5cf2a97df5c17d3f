namespace ConvoCanvas.Cluster.Watching;

/// <summary>
/// Which cluster ConvoCanvas watches and how patiently, bound from <c>ConvoCanvas:Cluster</c>. One of
/// <see cref="Kubeconfig"/>, <see cref="Url"/> or <see cref="InCluster"/> names the cluster; with none set the
/// watcher says so and stays idle.
/// </summary>
public sealed record ClusterConnectionOptions
{
    public const string SectionName = "ConvoCanvas:Cluster";

    /// <summary>The name ConvoCanvas shows for the cluster.</summary>
    public string Name { get; init; } = "cluster";

    /// <summary>A kubeconfig file; <see cref="Context"/> picks a context in it (its current context otherwise).</summary>
    public string? Kubeconfig { get; init; }

    public string? Context { get; init; }

    /// <summary>The API server's address, without credentials (a <c>kubectl proxy</c>, a test emulator); overrides the kubeconfig's server.</summary>
    public string? Url { get; init; }

    /// <summary>Use the pod's service account (the silo runs inside the cluster it draws).</summary>
    public bool InCluster { get; init; }

    /// <summary>A full list of every kind this often, to repair anything a watch may have missed.</summary>
    public TimeSpan RelistPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The timeoutSeconds asked of each watch; the API server ends it then and it is reopened. A watch that has
    /// delivered nothing for this long plus <see cref="RequestTimeout"/> is taken for hung and restarted.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a list (or /version) may take before the API is taken for unreachable.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// With nothing heard from the API server for this long, its /version is asked. No answer within
    /// <see cref="RequestTimeout"/> restarts every watch (they relist once it answers), so an API server that hangs
    /// is noticed within this plus the request timeout, not only when a quiet watch runs out. Zero: no probe.
    /// </summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The first wait after a failure; it doubles on each failure in a row, up to <see cref="BackoffMax"/>.</summary>
    public TimeSpan BackoffMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many Kubernetes events are kept (the most recent); a busy cluster makes thousands an hour.</summary>
    public int MaxEvents { get; init; } = 500;

    /// <summary>
    /// A name to look up beside each snapshot (at most every <see cref="DnsProbeInterval"/>), so failing lookups raise the
    /// DNS alert even while CoreDNS says it is ready. Unset: <see cref="DnsProbe.InClusterName"/> in-cluster, no probe
    /// outside (the host cannot resolve the cluster's names). "none" turns it off.
    /// </summary>
    public string? DnsProbeName { get; init; }

    public TimeSpan DnsProbeInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The name to probe, or null for none.</summary>
    public string? EffectiveDnsProbeName =>
        DnsProbeName is { Length: > 0 } name ? (name == "none" ? null : name) : InCluster ? DnsProbe.InClusterName : null;

    /// <summary>True when a cluster is named at all.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Kubeconfig) || !string.IsNullOrWhiteSpace(Url) || InCluster;
}
