using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Testing.Cluster;

/// <summary>
/// Snapshots made in code for tests and benchmarks: a home cluster of any size (namespaces of deployments with a service
/// each, a daemonset per node), with a chosen share of crash-looping pods. The same arguments give the same snapshot.
/// </summary>
public static class SyntheticCluster
{
    public static ClusterSnapshot Build(int pods, int nodes = 3, int namespaces = 7, int crashLooping = 0, DateTimeOffset? at = null, string cluster = "home")
    {
        var now = at ?? new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
        var nodeInfos = Enumerable.Range(1, nodes).Select(i => new NodeInfo
        {
            Name = i == 1 ? "k3s-server" : $"k3s-agent-{i - 1}",
            Ready = true,
            InternalIp = $"192.168.1.{10 + i}",
            Roles = i == 1 ? ["control-plane", "master"] : [],
            Cpu = "4",
            MemoryBytes = 16L * 1024 * 1024 * 1024,
            KubeletVersion = "v1.31.4+k3s1",
        }).ToList();
        var nsNames = Enumerable.Range(0, namespaces).Select(i => i == 0 ? "kube-system" : $"apps-{i}").ToList();
        var workloads = new List<WorkloadInfo>();
        var podInfos = new List<PodInfo>();
        var services = new List<ServiceInfo>();
        var random = new Random(pods * 31 + nodes);
        var remaining = pods;
        var crashes = crashLooping;
        var w = 0;
        while (remaining > 0)
        {
            var ns = nsNames[w % nsNames.Count];
            var name = $"svc{w:D3}";
            var replicas = Math.Min(remaining, 1 + random.Next(6));
            var app = new Dictionary<string, string> { ["app"] = name };
            var ready = 0;
            for (var r = 0; r < replicas; r++)
            {
                var failing = crashes-- > 0;
                ready += failing ? 0 : 1;
                podInfos.Add(new PodInfo
                {
                    Namespace = ns,
                    Name = $"{name}-7d9f8c6b5-{r:D2}x{w:D3}",
                    Phase = "Running",
                    Ready = !failing,
                    Node = nodeInfos[(w + r) % nodeInfos.Count].Name,
                    Workload = $"deployment/{name}",
                    Labels = app,
                    Containers =
                    [
                        failing
                            ? new ContainerInfo { Name = "main", State = "waiting", WaitingReason = "CrashLoopBackOff", Restarts = 40 + r, LastTerminationReason = "Error", LastExitCode = 1, LastTerminatedAt = now.AddMinutes(-2) }
                            : new ContainerInfo { Name = "main", State = "running", Ready = true },
                    ],
                });
            }
            workloads.Add(new WorkloadInfo { Namespace = ns, Kind = "Deployment", Name = name, Desired = replicas, Ready = ready, Selector = app });
            services.Add(new ServiceInfo { Namespace = ns, Name = name, ClusterIp = $"10.43.{w / 250}.{w % 250 + 1}", Selector = app, Ports = ["80->8080/TCP"] });
            remaining -= replicas;
            w++;
        }
        return new ClusterSnapshot
        {
            Cluster = cluster,
            TakenAt = now,
            ServerVersion = "v1.31.4+k3s1",
            Namespaces = nsNames.Order(StringComparer.Ordinal).Select(n => new NamespaceInfo(n, "Active")).ToList(),
            Nodes = nodeInfos,
            Workloads = workloads,
            Pods = podInfos,
            Services = services,
        };
    }
}
