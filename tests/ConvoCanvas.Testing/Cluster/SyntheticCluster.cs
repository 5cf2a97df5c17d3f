using ConvoCanvas.Cluster.Model;
using k8s.Models;

namespace ConvoCanvas.Testing.Cluster;

/// <summary>
/// A home cluster of any size made in code as Kubernetes objects (KubernetesClient types, as a watch or a dump would give
/// them): namespaces of deployments, each with its replica set, pods and a service, on k3s nodes; a chosen number of
/// pods crash-looping. The same arguments give the same cluster. For tests and the cluster benchmark.
/// </summary>
public static class SyntheticCluster
{
    public static readonly DateTimeOffset DefaultAt = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    public static ClusterSnapshot Build(int pods, int nodes = 3, int namespaces = 7, int crashLooping = 0, DateTimeOffset? at = null, string cluster = "home") =>
        SnapshotBuilder.Build(cluster, Resources(pods, nodes, namespaces, crashLooping, at), at ?? DefaultAt);

    public static ClusterResources Resources(int pods, int nodes = 3, int namespaces = 7, int crashLooping = 0, DateTimeOffset? at = null)
    {
        var now = (at ?? DefaultAt).UtcDateTime;
        var nodeObjects = Enumerable.Range(1, nodes).Select(i => Node(i == 1 ? "k3s-server" : $"k3s-agent-{i - 1}", $"192.168.1.{10 + i}", server: i == 1)).ToList();
        var nsNames = Enumerable.Range(0, namespaces).Select(i => i == 0 ? "kube-system" : $"apps-{i}").ToList();
        var deployments = new List<V1Deployment>();
        var replicaSets = new List<V1ReplicaSet>();
        var podObjects = new List<V1Pod>();
        var services = new List<V1Service>();
        var random = new Random(pods * 31 + nodes);
        var remaining = pods;
        var crashes = crashLooping;
        for (var w = 0; remaining > 0; w++)
        {
            var ns = nsNames[w % nsNames.Count];
            var name = $"svc{w:D3}";
            var hash = $"7d9f{w:D3}b5";
            var replicas = Math.Min(remaining, 1 + random.Next(6));
            var app = new Dictionary<string, string> { ["app"] = name };
            var ready = 0;
            for (var r = 0; r < replicas; r++)
            {
                var failing = crashes-- > 0;
                ready += failing ? 0 : 1;
                podObjects.Add(Pod(ns, $"{name}-{hash}-{r:D2}x{w:D3}", $"{name}-{hash}", hash, app, nodeObjects[(w + r) % nodeObjects.Count].Metadata.Name, failing, restarts: failing ? 40 + r : 0, now));
            }
            deployments.Add(new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                Spec = new V1DeploymentSpec { Replicas = replicas, Selector = new V1LabelSelector { MatchLabels = app } },
                Status = new V1DeploymentStatus { Replicas = replicas, ReadyReplicas = ready },
            });
            replicaSets.Add(new V1ReplicaSet
            {
                Metadata = new V1ObjectMeta
                {
                    Name = $"{name}-{hash}",
                    NamespaceProperty = ns,
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = name, Uid = $"uid-{ns}-{name}", Controller = true }],
                },
            });
            services.Add(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                Spec = new V1ServiceSpec
                {
                    ClusterIP = $"10.43.{w / 250}.{w % 250 + 1}",
                    Selector = app,
                    Ports = [new V1ServicePort { Port = 80, TargetPort = 8080, Protocol = "TCP" }],
                },
            });
            remaining -= replicas;
        }
        return new ClusterResources
        {
            ServerVersion = "v1.31.4+k3s1",
            Namespaces = nsNames.Select(n => new V1Namespace { Metadata = new V1ObjectMeta { Name = n }, Status = new V1NamespaceStatus { Phase = "Active" } }).ToList(),
            Nodes = nodeObjects,
            Deployments = deployments,
            ReplicaSets = replicaSets,
            Pods = podObjects,
            Services = services,
        };
    }

    private static V1Node Node(string name, string ip, bool server) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = server
                ? new Dictionary<string, string> { ["node-role.kubernetes.io/control-plane"] = "true", ["node-role.kubernetes.io/master"] = "true" }
                : new Dictionary<string, string>(),
        },
        Status = new V1NodeStatus
        {
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = ip }, new V1NodeAddress { Type = "Hostname", Address = name }],
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady" }],
            Capacity = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("16Gi") },
            NodeInfo = new V1NodeSystemInfo { KubeletVersion = "v1.31.4+k3s1" },
        },
    };

    private static V1Pod Pod(string ns, string name, string replicaSet, string hash, Dictionary<string, string> app, string node, bool failing, int restarts, DateTime now) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>(app) { ["pod-template-hash"] = hash },
            OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = replicaSet, Uid = $"uid-{ns}-{replicaSet}", Controller = true }],
        },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "main", Image = "registry.local/app:1" }] },
        Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = "10.42.0.1",
            StartTime = now.AddDays(-3),
            Conditions = [new V1PodCondition { Type = "Ready", Status = failing ? "False" : "True" }],
            ContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Name = "main",
                    Image = "registry.local/app:1",
                    ImageID = "sha256:0",
                    Ready = !failing,
                    RestartCount = restarts,
                    State = failing
                        ? new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff", Message = "back-off 5m0s restarting failed container" } }
                        : new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now.AddDays(-3) } },
                    LastState = failing
                        ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { Reason = "Error", ExitCode = 1, FinishedAt = now.AddMinutes(-2) } }
                        : new V1ContainerState(),
                },
            ],
        },
    };
}
