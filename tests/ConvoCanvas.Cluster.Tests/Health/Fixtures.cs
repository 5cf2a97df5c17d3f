using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Tests.Health;

/// <summary>Small snapshots made from the records, so each test says exactly the cluster it means.</summary>
internal static class Fixtures
{
    /// <summary>A Saturday, 08:00 UTC.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);

    public static ContainerInfo Running(string name = "app", int restarts = 0) =>
        new() { Name = name, Ready = true, State = "running", Restarts = restarts };

    public static ContainerInfo CrashLooping(int restarts, DateTimeOffset lastTerminated, string name = "app") => new()
    {
        Name = name,
        State = "waiting",
        WaitingReason = "CrashLoopBackOff",
        WaitingMessage = "back-off 5m0s restarting failed container",
        Restarts = restarts,
        LastTerminationReason = "Error",
        LastExitCode = 1,
        LastTerminatedAt = lastTerminated,
    };

    /// <summary>A crash-looping container caught in its few seconds of Running between restarts.</summary>
    public static ContainerInfo BrieflyRunning(int restarts, DateTimeOffset lastTerminated, string name = "app") => new()
    {
        Name = name,
        State = "running",
        Ready = false,
        Restarts = restarts,
        LastTerminationReason = "Error",
        LastExitCode = 1,
        LastTerminatedAt = lastTerminated,
    };

    public static PodInfo Pod(string ns, string name, string workload, params ContainerInfo[] containers)
    {
        var list = containers.Length == 0 ? [Running()] : containers;
        var ready = list.All(c => c.Ready);
        return new PodInfo
        {
            Namespace = ns,
            Name = name,
            Workload = workload,
            Phase = "Running",
            Ready = ready,
            Node = "server",
            Containers = list,
        };
    }

    public static PodInfo CoreDns(string name, bool ready) => Pod("kube-system", name, "deployment/coredns", ready ? Running("coredns") : CrashLooping(40, T0.AddMinutes(-2), "coredns")) with
    {
        Labels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" },
    };

    public static NodeInfo Node(string name, string ip, bool ready = true, string? reason = null, params string[] roles) =>
        new() { Name = name, InternalIp = ip, Ready = ready, NotReadyReason = reason, Roles = roles };

    public static ClusterSnapshot Snapshot(DateTimeOffset at, IEnumerable<PodInfo> pods, IEnumerable<NodeInfo>? nodes = null, DnsProbeResult? dns = null)
    {
        var podList = pods.ToList();
        return new ClusterSnapshot
        {
            Cluster = "home",
            TakenAt = at,
            Nodes = [.. nodes ?? [Node("server", "192.168.1.50", roles: "control-plane")]],
            Namespaces = [.. podList.Select(p => p.Namespace).Distinct().Order(StringComparer.Ordinal).Select(n => new NamespaceInfo(n, "Active"))],
            Pods = podList,
            Dns = dns,
        };
    }

    public static HealthContext Context(ClusterSnapshot? snapshot, HealthMemory? memory = null, HealthSettings? settings = null, WatchState? watch = null, DateTimeOffset? now = null) =>
        new(snapshot, watch ?? WatchState.Started(T0).Succeeded(snapshot?.TakenAt ?? T0), memory ?? HealthMemory.Empty, settings ?? new HealthSettings(), now ?? snapshot?.TakenAt ?? T0);

    /// <summary>Memory that has seen <paramref name="snapshots"/> in order.</summary>
    public static HealthMemory Remembering(HealthSettings settings, params ClusterSnapshot[] snapshots) =>
        snapshots.Aggregate(HealthMemory.Empty, (m, s) => m.Observe(s, settings));
}
