using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Diagrams;

/// <summary>
/// The graph both diagrams draw, in a fixed order: namespaces by name; in each, workloads by kind and name with their
/// pods and the services that select them; services that select no pod; and the nodes. Built once per snapshot so the
/// ASCII and Mermaid pictures never disagree.
/// </summary>
public sealed record Topology(IReadOnlyList<NamespaceView> Namespaces, IReadOnlyList<NodeInfo> Nodes)
{
    public static Topology From(ClusterSnapshot snapshot)
    {
        var podsByWorkload = snapshot.Pods.ToLookup(p => (p.Namespace, p.Workload));
        var servicesByNamespace = snapshot.Services.ToLookup(s => s.Namespace);
        var workloadsByNamespace = snapshot.Workloads.ToLookup(w => w.Namespace);
        var namespaces = new List<NamespaceView>();
        foreach (var ns in snapshot.Namespaces)
        {
            var services = servicesByNamespace[ns.Name].ToList();
            // Services indexed by one of their selector's labels: a workload only tries the services one of its pods'
            // labels could match, instead of every service in the namespace (thousands of pods stay fast).
            var byLabel = services.Where(s => s.Selector.Count > 0)
                .ToLookup(s => s.Selector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).First());
            var selected = new HashSet<ServiceInfo>();
            var workloads = new List<WorkloadView>();
            foreach (var workload in workloadsByNamespace[ns.Name].OrderBy(w => KindOrder(w.Kind)).ThenBy(w => w.Name, StringComparer.Ordinal))
            {
                var pods = podsByWorkload[(ns.Name, workload.Key)].OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
                var candidates = pods.SelectMany(p => p.Labels).Concat(workload.Selector).Select(kv => (kv.Key, kv.Value)).Distinct()
                    .SelectMany(label => byLabel[label]).Distinct();
                var itsServices = candidates.Where(s => Selects(s, workload, pods)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
                selected.UnionWith(itsServices);
                workloads.Add(new WorkloadView(workload, pods, itsServices, Conditions.Of(workload, pods)));
            }
            var podCount = workloads.Sum(w => w.Pods.Count);
            if (podCount == 0 && workloads.Count == 0 && services.Count == 0 && snapshot.Namespaces.Count > 12)
            {
                // Many empty namespaces (a dump of a big cluster) would drown the picture; they are counted in the header.
                continue;
            }
            namespaces.Add(new NamespaceView(ns, workloads, services.Where(s => !selected.Contains(s)).ToList(), podCount,
                workloads.Sum(w => w.Pods.Sum(p => p.Restarts))));
        }
        return new Topology(namespaces, snapshot.Nodes);
    }

    /// <summary>
    /// A hash of everything the diagrams show (nodes and their state and IPs, namespaces, workloads with replicas,
    /// pods with condition, node and restarts, services and ports), but not when the snapshot was taken: equal
    /// fingerprints draw equal pictures, so a diagram is re-rendered only when this changes.
    /// </summary>
    public static string Fingerprint(ClusterSnapshot snapshot)
    {
        var text = new System.Text.StringBuilder();
        text.Append(snapshot.Cluster).Append('|').Append(snapshot.ServerVersion).Append('\n');
        foreach (var n in snapshot.Nodes)
        {
            text.Append("node|").Append(n.Name).Append('|').Append(n.Ready).Append('|').Append(n.Unschedulable).Append('|').Append(n.InternalIp)
                .Append('|').Append(n.NotReadyReason).Append('|').Append(string.Join(',', n.Roles)).Append('|').Append(n.Cpu).Append('|')
                .Append(n.MemoryBytes).Append('|').Append(n.KubeletVersion).Append('\n');
        }
        foreach (var ns in snapshot.Namespaces)
        {
            text.Append("ns|").Append(ns.Name).Append('|').Append(ns.Phase).Append('\n');
        }
        foreach (var w in snapshot.Workloads)
        {
            text.Append("w|").Append(w.Namespace).Append('|').Append(w.Key).Append('|').Append(w.Ready).Append('/').Append(w.Desired).Append('\n');
        }
        foreach (var p in snapshot.Pods)
        {
            var last = p.Containers.Where(c => c.LastTerminationReason is not null).OrderByDescending(c => c.LastTerminatedAt).FirstOrDefault();
            text.Append("p|").Append(p.Namespace).Append('|').Append(p.Name).Append('|').Append(p.Workload).Append('|').Append(Conditions.Of(p))
                .Append('|').Append(Conditions.Trouble(p)).Append('|').Append(p.Node).Append('|').Append(p.Restarts)
                .Append('|').Append(last?.LastTerminationReason).Append('|').Append(last?.LastExitCode).Append('\n');
        }
        foreach (var s in snapshot.Services)
        {
            text.Append("s|").Append(s.Namespace).Append('|').Append(s.Name).Append('|').Append(s.Type).Append('|').Append(s.ClusterIp).Append('|')
                .Append(string.Join(',', s.Selector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))).Append('|')
                .Append(string.Join(',', s.Ports)).Append('\n');
        }
        text.Append("problems|").Append(snapshot.Problems.Count);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())))[..32].ToLowerInvariant();
    }

    /// <summary>Long-running services first, then batch work, then bare pods.</summary>
    private static int KindOrder(string kind) => kind switch
    {
        "Deployment" => 0,
        "StatefulSet" => 1,
        "DaemonSet" => 2,
        "ReplicaSet" => 3,
        "StaticPod" => 4,
        "CronJob" => 5,
        "Job" => 6,
        _ => 7,
    };

    /// <summary>A service selects a workload when its selector matches one of the workload's pods (or, with no pods, the workload's own selector).</summary>
    private static bool Selects(ServiceInfo service, WorkloadInfo workload, IReadOnlyList<PodInfo> pods)
    {
        if (service.Selector.Count == 0)
        {
            return false;
        }
        bool Matches(IReadOnlyDictionary<string, string> labels) =>
            service.Selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
        return pods.Count > 0 ? pods.Any(p => Matches(p.Labels)) : workload.Selector.Count > 0 && Matches(workload.Selector);
    }
}

public sealed record NamespaceView(NamespaceInfo Namespace, IReadOnlyList<WorkloadView> Workloads, IReadOnlyList<ServiceInfo> UnmatchedServices, int PodCount, int Restarts);

public sealed record WorkloadView(WorkloadInfo Workload, IReadOnlyList<PodInfo> Pods, IReadOnlyList<ServiceInfo> Services, Condition Condition);
