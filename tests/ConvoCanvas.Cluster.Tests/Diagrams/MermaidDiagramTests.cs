using System.Text.RegularExpressions;
using ConvoCanvas.Cluster.Diagrams;
using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Cluster.Offline;

namespace ConvoCanvas.Cluster.Tests.Diagrams;

public sealed class MermaidDiagramTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Kind_cluster_dump_draws_as_the_golden_file()
    {
        Golden.Matches("kind-cluster.mmd", MermaidDiagram.Render(SnapshotBuilder.Build("kind", DumpFolder.Read(SharedK8sData.KindCluster), At)));
    }

    [Fact]
    public void Project_k3s_home_lab_dump_draws_as_the_golden_file()
    {
        Golden.Matches("k3s-home.mmd", MermaidDiagram.Render(SnapshotBuilder.Build("home", DumpFolder.Read(ProjectK8sData.K3sHome), At)));
    }

    [Fact]
    public void K9s_objects_draw_services_pointing_at_their_workloads()
    {
        var mermaid = MermaidDiagram.Render(SnapshotBuilder.Build("k9s", DumpFolder.Read(SharedK8sData.K9sXray), At));

        Golden.Matches("k9s-objects.mmd", mermaid);
        Assert.Contains("svc__default__nginx --> w__default__deployment__nginx", mermaid);
    }

    [Fact]
    public void Names_that_read_alike_get_different_ids()
    {
        // Each pair drew as one Mermaid node when '-' and '.' were both written with underscores.
        string[] names = ["a.b", "a-o-b", "a-b", "a--b", "a_b", "a-s-b", "a/b", "web", "web-"];
        var snapshot = new ClusterSnapshot
        {
            Cluster = "home",
            TakenAt = DateTimeOffset.UnixEpoch,
            Namespaces = [new("apps", "Active"), new("apps-o", "Active")],
            Nodes = names.Select(n => new NodeInfo { Name = n, Ready = true }).ToList(),
            Workloads = [.. names.Select(n => new WorkloadInfo { Namespace = "apps", Kind = "Deployment", Name = n }),
                new WorkloadInfo { Namespace = "apps-o", Kind = "Deployment", Name = "b" }],
            Services = [.. names.Select(n => new ServiceInfo { Namespace = "apps", Name = n })],
        };

        var mermaid = MermaidDiagram.Render(snapshot);

        var ids = mermaid.Split('\n').Select(l => Regex.Match(l, @"^\s+(?:subgraph )?(\w+)(\[|\(\[)""")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        // Nodes, workloads and services, each drawn once, and the subgraphs of the nodes and the two namespaces.
        Assert.Equal(3 * names.Length + 1 + 3, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9_]+$", id));
        // Names as Kubernetes usually writes them stay readable, without a hash.
        Assert.Contains("    node__a_o_b[", mermaid);
        Assert.Contains("    w__apps__deployment__a_b[", mermaid);
        Assert.Contains("  subgraph ns__apps_o[", mermaid);
    }
}
