namespace ConvoCanvas.Cluster.Tests;

/// <summary>ConvoCanvas's own cluster dumps in Fixtures/, copied beside the test binaries.</summary>
internal static class ProjectK8sData
{
    /// <summary>
    /// A two-node K3s home lab as <c>kubectl get … -o json</c> saves it: 7 namespaces, 23 pods owned by deployments (through
    /// replica sets), stateful sets, daemon sets and a Helm install job, 18 services with selectors and ports (ClusterIP,
    /// headless, NodePort, LoadBalancer, and the API's own that selects nothing), CoreDNS in kube-system, one pod
    /// crash-looping (zigbee2mqtt) and 4 events.
    /// </summary>
    public static string K3sHome => Path.Combine(AppContext.BaseDirectory, "Fixtures", "k3s-home");
}
