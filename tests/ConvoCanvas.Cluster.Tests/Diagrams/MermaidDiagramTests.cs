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
        Assert.Contains("svc__default__nginx --> w__default__deployment_s_nginx", mermaid);
    }
}
