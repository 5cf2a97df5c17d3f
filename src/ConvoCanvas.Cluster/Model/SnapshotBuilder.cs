using System.Globalization;
using k8s.Models;

namespace ConvoCanvas.Cluster.Model;

/// <summary>
/// Turns Kubernetes objects into a <see cref="ClusterSnapshot"/>. Tolerant by design: a dump or a half-started cluster
/// has objects with missing status, pods whose deployment was not captured, events without times; each becomes what
/// can be said of it rather than an error.
/// </summary>
public static class SnapshotBuilder
{
    /// <summary>How many recent events a snapshot keeps (newest).</summary>
    public const int MaxEvents = 200;

    public static ClusterSnapshot Build(string cluster, ClusterResources resources, DateTimeOffset takenAt)
    {
        // A dump may hold the same object twice (two sub-folders, a List and a single file): each counts once.
        resources = resources with
        {
            Namespaces = Distinct(resources.Namespaces),
            Nodes = Distinct(resources.Nodes),
            Pods = Distinct(resources.Pods),
            Deployments = Distinct(resources.Deployments),
            StatefulSets = Distinct(resources.StatefulSets),
            DaemonSets = Distinct(resources.DaemonSets),
            ReplicaSets = Distinct(resources.ReplicaSets),
            Services = Distinct(resources.Services),
        };
        var replicaSetOwners = new Dictionary<(string, string), string>();
        foreach (var rs in resources.ReplicaSets)
        {
            if (rs.Metadata?.Name is { } name && Controller(rs.Metadata) is { Kind: "Deployment" } owner)
            {
                replicaSetOwners[(rs.Metadata.NamespaceProperty ?? "default", name)] = owner.Name;
            }
        }

        var workloads = new Dictionary<(string Namespace, string Key), WorkloadInfo>();
        foreach (var d in resources.Deployments)
        {
            Add(Workload(d.Metadata, "Deployment", d.Spec?.Replicas ?? 1, d.Status?.ReadyReplicas ?? 0, d.Spec?.Selector));
        }
        foreach (var s in resources.StatefulSets)
        {
            Add(Workload(s.Metadata, "StatefulSet", s.Spec?.Replicas ?? 1, s.Status?.ReadyReplicas ?? 0, s.Spec?.Selector));
        }
        foreach (var ds in resources.DaemonSets)
        {
            Add(Workload(ds.Metadata, "DaemonSet", ds.Status?.DesiredNumberScheduled ?? 0, ds.Status?.NumberReady ?? 0, ds.Spec?.Selector));
        }
        void Add(WorkloadInfo? w)
        {
            if (w is not null)
            {
                workloads[(w.Namespace, w.Key)] = w;
            }
        }

        var pods = new List<PodInfo>(resources.Pods.Count);
        foreach (var pod in resources.Pods)
        {
            if (pod.Metadata?.Name is null)
            {
                continue;
            }
            var ns = pod.Metadata.NamespaceProperty ?? "default";
            var (kind, name) = OwnerOf(pod, ns, replicaSetOwners);
            var info = Pod(pod, ns, $"{kind.ToLowerInvariant()}/{name}");
            pods.Add(info);
            if (!workloads.ContainsKey((ns, info.Workload)))
            {
                workloads[(ns, info.Workload)] = new WorkloadInfo { Namespace = ns, Kind = kind, Name = name, Inferred = true };
            }
        }
        // Inferred workloads count what their pods show: every pod seen is one desired.
        foreach (var group in pods.GroupBy(p => (p.Namespace, p.Workload)))
        {
            if (workloads[group.Key] is { Inferred: true } inferred)
            {
                var live = group.Where(p => p.Phase is not ("Succeeded" or "Failed")).ToList();
                workloads[group.Key] = inferred with { Desired = live.Count, Ready = live.Count(p => p.Ready) };
            }
        }

        var namespaces = resources.Namespaces
            .Where(n => n.Metadata?.Name is not null)
            .Select(n => new NamespaceInfo(n.Metadata.Name, n.Status?.Phase ?? "Active"))
            .ToDictionary(n => n.Name, StringComparer.Ordinal);
        // A dump may hold pods of namespaces it has no Namespace object for.
        foreach (var ns in pods.Select(p => p.Namespace).Concat(workloads.Keys.Select(k => k.Namespace)))
        {
            namespaces.TryAdd(ns, new NamespaceInfo(ns, "Active"));
        }

        return new ClusterSnapshot
        {
            Cluster = cluster,
            TakenAt = takenAt,
            ServerVersion = resources.ServerVersion,
            Namespaces = namespaces.Values.OrderBy(n => n.Name, StringComparer.Ordinal).ToList(),
            Nodes = resources.Nodes.Where(n => n.Metadata?.Name is not null).Select(Node).OrderBy(n => n.Name, StringComparer.Ordinal).ToList(),
            Workloads = workloads.Values.OrderBy(w => w.Namespace, StringComparer.Ordinal).ThenBy(w => w.Key, StringComparer.Ordinal).ToList(),
            Pods = pods.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).ToList(),
            Services = resources.Services.Where(s => s.Metadata?.Name is not null).Select(Service)
                .OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal).ToList(),
            Events = resources.Events.Select(Event).OfType<ClusterEventInfo>()
                .OrderBy(e => e.LastSeen ?? DateTimeOffset.MinValue).TakeLast(MaxEvents).ToList(),
            Problems = resources.Problems,
        };
    }

    /// <summary>
    /// The objects with one per uid (or namespace and name when there is no uid): of two copies of one object, the one
    /// with the higher resourceVersion is the later state (two dumps a day apart), else the later one read.
    /// </summary>
    private static IReadOnlyList<T> Distinct<T>(IReadOnlyList<T> objects) where T : k8s.IKubernetesObject<V1ObjectMeta>
    {
        static long Version(T o) => long.TryParse(o.Metadata?.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1;
        var seen = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var o in objects)
        {
            var key = o.Metadata?.Uid ?? $"{o.Metadata?.NamespaceProperty}/{o.Metadata?.Name}";
            if (!seen.TryGetValue(key, out var earlier) || Version(o) >= Version(earlier))
            {
                seen[key] = o;
            }
        }
        return seen.Count == objects.Count ? objects : [.. seen.Values];
    }

    private static WorkloadInfo? Workload(V1ObjectMeta? meta, string kind, int desired, int ready, V1LabelSelector? selector) =>
        meta?.Name is null ? null : new WorkloadInfo
        {
            Namespace = meta.NamespaceProperty ?? "default",
            Kind = kind,
            Name = meta.Name,
            Desired = desired,
            Ready = ready,
            Selector = selector?.MatchLabels is { } labels ? new Dictionary<string, string>(labels) : new Dictionary<string, string>(),
        };

    private static V1OwnerReference? Controller(V1ObjectMeta? meta) =>
        meta?.OwnerReferences?.FirstOrDefault(o => o.Controller == true) ?? meta?.OwnerReferences?.FirstOrDefault();

    /// <summary>
    /// The workload a pod belongs to. A replica set's owner is its deployment; without the replica set object, its name
    /// is the deployment's plus "-" and the pod-template-hash label, so the deployment is still found.
    /// </summary>
    private static (string Kind, string Name) OwnerOf(V1Pod pod, string ns, Dictionary<(string, string), string> replicaSetOwners)
    {
        if (Controller(pod.Metadata) is not { } owner)
        {
            return ("Pod", pod.Metadata.Name);
        }
        if (owner.Kind == "ReplicaSet")
        {
            if (replicaSetOwners.TryGetValue((ns, owner.Name), out var deployment))
            {
                return ("Deployment", deployment);
            }
            if (pod.Metadata.Labels?.TryGetValue("pod-template-hash", out var hash) == true && owner.Name.EndsWith("-" + hash, StringComparison.Ordinal))
            {
                return ("Deployment", owner.Name[..^(hash.Length + 1)]);
            }
            return ("ReplicaSet", owner.Name);
        }
        if (owner.Kind == "Job" && owner.Name.LastIndexOf('-') is var dash and > 0 && long.TryParse(owner.Name[(dash + 1)..], out _))
        {
            // A cron job's job is named after it with a schedule-time suffix.
            return ("CronJob", owner.Name[..dash]);
        }
        if (owner.Kind == "Node")
        {
            // A static pod (k3s and kubeadm control plane) is owned by its node.
            return ("StaticPod", StaticPodName(pod.Metadata.Name, owner.Name));
        }
        return (owner.Kind, owner.Name);
    }

    /// <summary>"kube-apiserver-kind-control-plane" on node "kind-control-plane" is "kube-apiserver".</summary>
    private static string StaticPodName(string pod, string node) =>
        pod.EndsWith("-" + node, StringComparison.Ordinal) ? pod[..^(node.Length + 1)] : pod;

    private static PodInfo Pod(V1Pod pod, string ns, string workload)
    {
        var status = pod.Status;
        var containers = new List<ContainerInfo>();
        foreach (var c in status?.InitContainerStatuses ?? [])
        {
            containers.Add(Container(c, init: true));
        }
        foreach (var c in status?.ContainerStatuses ?? [])
        {
            containers.Add(Container(c, init: false));
        }
        // A pod not yet scheduled has no container statuses; its spec still says which containers it will run.
        if (status?.ContainerStatuses is null or { Count: 0 })
        {
            foreach (var c in pod.Spec?.Containers ?? [])
            {
                containers.Add(new ContainerInfo { Name = c.Name, State = "waiting" });
            }
        }
        return new PodInfo
        {
            Namespace = ns,
            Name = pod.Metadata.Name,
            Phase = status?.Phase ?? "Unknown",
            Reason = status?.Reason,
            Ready = status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
            Node = pod.Spec?.NodeName,
            PodIp = status?.PodIP,
            Workload = workload,
            Labels = pod.Metadata.Labels is { } labels ? new Dictionary<string, string>(labels) : new Dictionary<string, string>(),
            Containers = containers,
            StartedAt = status?.StartTime is { } start ? new DateTimeOffset(DateTime.SpecifyKind(start, DateTimeKind.Utc)) : null,
        };
    }

    private static ContainerInfo Container(V1ContainerStatus c, bool init)
    {
        var state = c.State?.Running is not null ? "running" : c.State?.Terminated is not null ? "terminated" : "waiting";
        var last = c.LastState?.Terminated;
        return new ContainerInfo
        {
            Name = c.Name,
            Init = init,
            Ready = c.Ready,
            Restarts = c.RestartCount,
            State = state,
            WaitingReason = c.State?.Waiting?.Reason,
            WaitingMessage = c.State?.Waiting?.Message,
            LastTerminationReason = last?.Reason ?? c.State?.Terminated?.Reason,
            LastExitCode = last?.ExitCode ?? c.State?.Terminated?.ExitCode,
            LastTerminatedAt = (last?.FinishedAt ?? c.State?.Terminated?.FinishedAt) is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null,
        };
    }

    private static NodeInfo Node(V1Node node)
    {
        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        var roles = (node.Metadata.Labels ?? new Dictionary<string, string>())
            .Keys.Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..]).Where(r => r.Length > 0)
            .Order(StringComparer.Ordinal).ToList();
        return new NodeInfo
        {
            Name = node.Metadata.Name,
            Ready = ready?.Status == "True",
            NotReadyReason = ready is null ? "no Ready condition reported"
                : ready.Status == "True" ? null : string.Join(": ", new[] { ready.Reason, ready.Message }.Where(s => !string.IsNullOrEmpty(s))),
            InternalIp = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address,
            Roles = roles,
            Cpu = node.Status?.Capacity?.TryGetValue("cpu", out var cpu) == true ? cpu.ToString() : null,
            MemoryBytes = node.Status?.Capacity?.TryGetValue("memory", out var memory) == true ? (long)memory.ToDecimal() : 0,
            KubeletVersion = node.Status?.NodeInfo?.KubeletVersion,
            Unschedulable = node.Spec?.Unschedulable == true,
        };
    }

    private static ServiceInfo Service(V1Service s) => new()
    {
        Namespace = s.Metadata.NamespaceProperty ?? "default",
        Name = s.Metadata.Name,
        Type = s.Spec?.Type ?? "ClusterIP",
        ClusterIp = s.Spec?.ClusterIP,
        Selector = s.Spec?.Selector is { } selector ? new Dictionary<string, string>(selector) : new Dictionary<string, string>(),
        Ports = (s.Spec?.Ports ?? []).Select(Port).ToList(),
    };

    private static string Port(V1ServicePort p)
    {
        var target = p.TargetPort?.Value is { } t && t != p.Port.ToString(CultureInfo.InvariantCulture) ? $"->{t}" : "";
        var node = p.NodePort is { } n ? $":{n}" : "";
        return $"{p.Port}{target}{node}/{p.Protocol ?? "TCP"}";
    }

    private static ClusterEventInfo? Event(Corev1Event e)
    {
        if (e.InvolvedObject is null || e.Reason is null)
        {
            return null;
        }
        var last = e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp;
        return new ClusterEventInfo
        {
            Namespace = e.Metadata?.NamespaceProperty ?? e.InvolvedObject.NamespaceProperty ?? "default",
            Object = $"{e.InvolvedObject.Kind}/{e.InvolvedObject.Name}",
            Type = e.Type ?? "Normal",
            Reason = e.Reason,
            Message = e.Message,
            Count = e.Count ?? 1,
            LastSeen = last is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null,
        };
    }
}
