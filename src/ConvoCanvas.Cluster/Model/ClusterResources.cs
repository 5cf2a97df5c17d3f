using k8s.Models;

namespace ConvoCanvas.Cluster.Model;

/// <summary>
/// The Kubernetes objects a snapshot is made from, as KubernetesClient types: what a watch keeps current, or what a
/// folder of <c>kubectl get -o json</c> dumps holds. <see cref="SnapshotBuilder"/> turns it into a <see cref="ClusterSnapshot"/>.
/// </summary>
public sealed record ClusterResources
{
    public IReadOnlyList<V1Namespace> Namespaces { get; init; } = [];

    public IReadOnlyList<V1Node> Nodes { get; init; } = [];

    public IReadOnlyList<V1Pod> Pods { get; init; } = [];

    public IReadOnlyList<V1Deployment> Deployments { get; init; } = [];

    public IReadOnlyList<V1StatefulSet> StatefulSets { get; init; } = [];

    public IReadOnlyList<V1DaemonSet> DaemonSets { get; init; } = [];

    /// <summary>Only to find a pod's deployment through its replica set (pods name the replica set, not the deployment).</summary>
    public IReadOnlyList<V1ReplicaSet> ReplicaSets { get; init; } = [];

    public IReadOnlyList<V1Service> Services { get; init; } = [];

    public IReadOnlyList<Corev1Event> Events { get; init; } = [];

    public string? ServerVersion { get; init; }

    /// <summary>What could not be read, each naming its source.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Objects of kinds ConvoCanvas does not draw (ConfigMaps, RBAC…), each naming its source; not a problem.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}
