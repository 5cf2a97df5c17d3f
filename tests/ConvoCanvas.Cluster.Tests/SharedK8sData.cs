using ConvoCanvas.Testing;

namespace ConvoCanvas.Cluster.Tests;

/// <summary>The real API JSON in ../shared/data/k8s (licences in its SOURCES.md).</summary>
internal static class SharedK8sData
{
    public static string Root => Path.Combine(RepositoryPaths.SharedData ?? throw new InvalidOperationException("../shared/data is missing beside the repository"), "k8s");

    /// <summary>A 3-node kind cluster: NodeList, PodLists of kube-system, local-path-storage and sonobuoy, server version.</summary>
    public static string KindCluster => Path.Combine(Root, "sonobuoy-kind-cluster", "pkg", "discovery", "testdata", "healthsummary");

    /// <summary>Five pods in ImagePullBackOff, ContainerCreating and other states.</summary>
    public static string PrintPodStatus => Path.Combine(Root, "sonobuoy-kind-cluster", "pkg", "client", "testdata", "PrintPodStatus.json");

    /// <summary>Single objects as kubectl prints them (pods, nodes, deployments, services, events, and kinds ConvoCanvas skips).</summary>
    public static string K9sRender => Path.Combine(Root, "k9s-objects", "internal", "render", "testdata");

    public static string K9sXray => Path.Combine(Root, "k9s-objects", "internal", "xray", "testdata");
}
