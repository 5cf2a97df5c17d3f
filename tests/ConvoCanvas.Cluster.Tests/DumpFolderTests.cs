using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Cluster.Offline;

namespace ConvoCanvas.Cluster.Tests;

public sealed class DumpFolderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Kind_cluster_dump_reads_into_nodes_pods_and_inferred_workloads()
    {
        var resources = DumpFolder.Read(SharedK8sData.KindCluster);
        var snapshot = SnapshotBuilder.Build("kind", resources, At);

        Assert.Empty(resources.Problems);
        Assert.Equal(3, snapshot.Nodes.Count);
        Assert.All(snapshot.Nodes, n => Assert.NotNull(n.InternalIp));
        Assert.Equal(20, snapshot.Pods.Count);
        Assert.Equal(["kube-system", "local-path-storage", "sonobuoy"], snapshot.Namespaces.Select(n => n.Name));
        Assert.StartsWith("v1.", snapshot.ServerVersion);
        // coredns pods name their replica set only; the pod-template-hash label leads back to the deployment.
        var coredns = Assert.Single(snapshot.Workloads, w => w.Name == "coredns");
        Assert.Equal("Deployment", coredns.Kind);
        Assert.True(coredns.Inferred);
        // Four replicas: two running, two never scheduled (no node, no container statuses).
        Assert.Equal(4, snapshot.Pods.Count(p => p.Workload == "deployment/coredns"));
        Assert.Equal(2, snapshot.Pods.Count(p => p.Workload == "deployment/coredns" && p.Node is null));
        Assert.False(Assert.Single(snapshot.Nodes, n => n.Name == "kind-worker").Ready);
        // Control-plane pods are static pods owned by their node.
        Assert.Contains(snapshot.Workloads, w => w is { Kind: "StaticPod", Name: "kube-apiserver" });
        Assert.Contains(snapshot.Workloads, w => w is { Kind: "DaemonSet", Name: "kube-proxy" });
    }

    [Fact]
    public void Waiting_reasons_and_restarts_come_through_from_real_pod_json()
    {
        var snapshot = SnapshotBuilder.Build("dump", DumpFolder.Parse("PrintPodStatus.json", File.ReadAllText(SharedK8sData.PrintPodStatus)), At);

        Assert.Contains(snapshot.Pods, p => p.WaitingReason == "ImagePullBackOff");
        // The file holds one pod (one uid) twice, ContainerCreating at resourceVersion 247742 and running at 247915:
        // it counts once, in its later state.
        Assert.Equal(4, snapshot.Pods.Count);
        Assert.DoesNotContain(snapshot.Pods, p => p.WaitingReason == "ContainerCreating");
        Assert.Contains(snapshot.Pods, p => p is { Name: "sonobuoy", Phase: "Running", PodIp: "10.244.2.7" });
    }

    [Fact]
    public void Single_objects_are_read_and_unused_kinds_named_as_skipped()
    {
        var resources = DumpFolder.Read(SharedK8sData.K9sRender);

        Assert.NotEmpty(resources.Pods);
        Assert.NotEmpty(resources.Nodes);
        Assert.NotEmpty(resources.Deployments);
        Assert.NotEmpty(resources.StatefulSets);
        Assert.NotEmpty(resources.DaemonSets);
        Assert.NotEmpty(resources.Services);
        Assert.NotEmpty(resources.Events);
        Assert.Contains(resources.Skipped, p => p.StartsWith("cm.json: a ConfigMap, not used by ConvoCanvas", StringComparison.Ordinal));
        Assert.Empty(resources.Problems);
    }

    [Fact]
    public void The_same_objects_dumped_twice_count_once()
    {
        var folder = Directory.CreateTempSubdirectory("convocanvas-dump-");
        try
        {
            foreach (var copy in new[] { "monday", "tuesday" })
            {
                Directory.CreateDirectory(Path.Combine(folder.FullName, copy));
                foreach (var file in Directory.EnumerateFiles(SharedK8sData.KindCluster, "*.json", SearchOption.AllDirectories))
                {
                    File.Copy(file, Path.Combine(folder.FullName, copy, Path.GetRelativePath(SharedK8sData.KindCluster, file).Replace('/', '_')));
                }
            }

            var snapshot = SnapshotBuilder.Build("twice", DumpFolder.Read(folder.FullName), At);

            Assert.Equal(20, snapshot.Pods.Count);
            Assert.Equal(3, snapshot.Nodes.Count);
            Assert.Equal(4, snapshot.Pods.Count(p => p.Workload == "deployment/coredns"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Malformed_and_partial_files_are_reported_by_name_and_the_rest_is_used()
    {
        var folder = Directory.CreateTempSubdirectory("convocanvas-dump-");
        try
        {
            File.Copy(SharedK8sData.PrintPodStatus, Path.Combine(folder.FullName, "pods.json"));
            File.WriteAllText(Path.Combine(folder.FullName, "truncated.json"), "{\"kind\":\"PodList\",\"items\":[{\"kind\":\"Pod\",");
            File.WriteAllText(Path.Combine(folder.FullName, "nokind.json"), "{\"metadata\":{}}");
            File.WriteAllText(Path.Combine(folder.FullName, "array.json"), "[1,2]");
            File.WriteAllText(Path.Combine(folder.FullName, "deep.json"), new string('[', 5000) + new string(']', 5000));
            File.WriteAllText(Path.Combine(folder.FullName, "badpod.json"), "{\"kind\":\"Pod\",\"metadata\":{\"name\":7,\"namespace\":[]}}");

            var resources = DumpFolder.Read(folder.FullName);

            Assert.Equal(5, resources.Pods.Count);
            Assert.Contains(resources.Problems, p => p.StartsWith("truncated.json: not valid JSON", StringComparison.Ordinal));
            Assert.Contains(resources.Problems, p => p.StartsWith("nokind.json: no \"kind\"", StringComparison.Ordinal));
            Assert.Contains(resources.Problems, p => p.StartsWith("array.json: a Array", StringComparison.Ordinal));
            Assert.Contains(resources.Problems, p => p.StartsWith("deep.json: not valid JSON", StringComparison.Ordinal));
            Assert.Contains(resources.Problems, p => p.StartsWith("badpod.json: a Pod that does not read as one", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
