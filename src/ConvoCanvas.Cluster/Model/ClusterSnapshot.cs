namespace ConvoCanvas.Cluster.Model;

/// <summary>
/// What ConvoCanvas knows of a cluster at one moment, in its own words: plain, immutable records made from the
/// Kubernetes objects (<see cref="SnapshotBuilder"/>), so diagrams and health rules never touch the API types and
/// the same snapshot can come from a live watch or from a folder of <c>kubectl get -o json</c> dumps.
/// Orleans carries it as JSON (see ConvoCanvasSerialization).
/// </summary>
public sealed record ClusterSnapshot
{
    public required string Cluster { get; init; }

    public required DateTimeOffset TakenAt { get; init; }

    /// <summary>"v1.31.4+k3s1" when known.</summary>
    public string? ServerVersion { get; init; }

    public IReadOnlyList<NamespaceInfo> Namespaces { get; init; } = [];

    public IReadOnlyList<NodeInfo> Nodes { get; init; } = [];

    /// <summary>Deployments, statefulsets and daemonsets; those only seen as pod owners are inferred (<see cref="WorkloadInfo.Inferred"/>).</summary>
    public IReadOnlyList<WorkloadInfo> Workloads { get; init; } = [];

    public IReadOnlyList<PodInfo> Pods { get; init; } = [];

    public IReadOnlyList<ServiceInfo> Services { get; init; } = [];

    /// <summary>Recent events, newest last.</summary>
    public IReadOnlyList<ClusterEventInfo> Events { get; init; } = [];

    /// <summary>The result of a DNS lookup made with the snapshot (in-cluster only); null when none was made.</summary>
    public DnsProbeResult? Dns { get; init; }

    /// <summary>What could not be read (a dump file that is not JSON, an unknown kind), each naming its source.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

public sealed record NamespaceInfo(string Name, string Phase);

public sealed record NodeInfo
{
    public required string Name { get; init; }

    public bool Ready { get; init; }

    /// <summary>The Ready condition's reason and message when not ready ("KubeletNotReady: container runtime is down").</summary>
    public string? NotReadyReason { get; init; }

    public string? InternalIp { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>CPU capacity as Kubernetes writes it ("8", "3500m").</summary>
    public string? Cpu { get; init; }

    public long MemoryBytes { get; init; }

    public string? KubeletVersion { get; init; }

    public bool Unschedulable { get; init; }
}

public sealed record WorkloadInfo
{
    public required string Namespace { get; init; }

    /// <summary>Deployment, StatefulSet, DaemonSet, Job, CronJob, or the owner kind of bare pods ("Pod").</summary>
    public required string Kind { get; init; }

    public required string Name { get; init; }

    public int Desired { get; init; }

    public int Ready { get; init; }

    public IReadOnlyDictionary<string, string> Selector { get; init; } = new Dictionary<string, string>();

    /// <summary>Known only from its pods' owner references (the dump or the watch had no object for it).</summary>
    public bool Inferred { get; init; }

    /// <summary>"deployment/coredns": the key pods, services and alerts refer to within the namespace.</summary>
    public string Key => $"{Kind.ToLowerInvariant()}/{Name}";
}

public sealed record PodInfo
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>Pending, Running, Succeeded, Failed, Unknown.</summary>
    public required string Phase { get; init; }

    /// <summary>Why the pod is in its phase when Kubernetes says ("Evicted", "NodeLost").</summary>
    public string? Reason { get; init; }

    public bool Ready { get; init; }

    public string? Node { get; init; }

    public string? PodIp { get; init; }

    /// <summary>The owning workload's key within the namespace ("deployment/coredns"), or "pod/NAME" for a bare pod.</summary>
    public required string Workload { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<ContainerInfo> Containers { get; init; } = [];

    public DateTimeOffset? StartedAt { get; init; }

    public int Restarts => Containers.Sum(c => c.Restarts);

    /// <summary>The first container's waiting reason that says it is stuck (CrashLoopBackOff, ImagePullBackOff…), if any.</summary>
    public string? WaitingReason => Containers.Select(c => c.WaitingReason).FirstOrDefault(r => r is not null);
}

public sealed record ContainerInfo
{
    public required string Name { get; init; }

    public bool Init { get; init; }

    public bool Ready { get; init; }

    public int Restarts { get; init; }

    /// <summary>running, waiting or terminated.</summary>
    public string State { get; init; } = "waiting";

    public string? WaitingReason { get; init; }

    public string? WaitingMessage { get; init; }

    /// <summary>The last termination's reason ("Error", "OOMKilled", "Completed"), exit code and time.</summary>
    public string? LastTerminationReason { get; init; }

    public int? LastExitCode { get; init; }

    public DateTimeOffset? LastTerminatedAt { get; init; }
}

public sealed record ServiceInfo
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    public string Type { get; init; } = "ClusterIP";

    public string? ClusterIp { get; init; }

    public IReadOnlyDictionary<string, string> Selector { get; init; } = new Dictionary<string, string>();

    /// <summary>"53/UDP", "443->8443/TCP", "80:30080/TCP" (node port).</summary>
    public IReadOnlyList<string> Ports { get; init; } = [];
}

public sealed record ClusterEventInfo
{
    public required string Namespace { get; init; }

    /// <summary>"Pod/coredns-74ff55c5b-cpfqs".</summary>
    public required string Object { get; init; }

    /// <summary>Normal or Warning.</summary>
    public required string Type { get; init; }

    public required string Reason { get; init; }

    public string? Message { get; init; }

    public int Count { get; init; } = 1;

    public DateTimeOffset? LastSeen { get; init; }
}

/// <summary>A DNS lookup made next to the snapshot: the name, whether it resolved, and the error or addresses.</summary>
public sealed record DnsProbeResult(string Name, bool Ok, string Detail, DateTimeOffset At);
