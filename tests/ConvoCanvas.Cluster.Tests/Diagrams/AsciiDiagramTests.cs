using ConvoCanvas.Cluster.Diagrams;
using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Cluster.Offline;
using ConvoCanvas.Testing.Cluster;

namespace ConvoCanvas.Cluster.Tests.Diagrams;

public sealed class AsciiDiagramTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private static ClusterSnapshot KindCluster() => SnapshotBuilder.Build("kind", DumpFolder.Read(SharedK8sData.KindCluster), At);

    [Fact]
    public void Kind_cluster_dump_draws_as_the_golden_file()
    {
        Golden.Matches("kind-cluster.txt", AsciiDiagram.Render(KindCluster()));
    }

    [Fact]
    public void K9s_objects_draw_as_the_golden_file()
    {
        Golden.Matches("k9s-objects.txt", AsciiDiagram.Render(SnapshotBuilder.Build("k9s", DumpFolder.Read(SharedK8sData.K9sXray), At)));
    }

    [Fact]
    public void Project_k3s_home_lab_dump_draws_as_the_golden_file()
    {
        Golden.Matches("k3s-home.txt", AsciiDiagram.Render(SnapshotBuilder.Build("home", DumpFolder.Read(ProjectK8sData.K3sHome), At)));
    }

    [Fact]
    public void Home_cluster_of_23_pods_in_7_namespaces_draws_as_the_golden_file()
    {
        Golden.Matches("home-23-pods.txt", AsciiDiagram.Render(SyntheticCluster.Build(pods: 23, crashLooping: 2)));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(160)]
    public void Every_line_fits_the_width_and_is_plain_ascii(int width)
    {
        foreach (var snapshot in new[] { KindCluster(), SyntheticCluster.Build(pods: 500, crashLooping: 7) })
        {
            var lines = AsciiDiagram.Render(snapshot, new AsciiDiagramOptions { Width = width }).Split('\n');

            Assert.All(lines, line => Assert.True(line.Length <= width, $"{line.Length} columns: {line}"));
            Assert.All(lines, line => Assert.True(line.All(c => c is >= ' ' and <= '~'), $"not ASCII: {line}"));
            // Box rows are exactly the width, so boxes close in a straight line.
            Assert.All(lines.Where(l => l.StartsWith('|') || l.StartsWith('+')), line => Assert.Equal(width, line.Length));
        }
    }

    [Fact]
    public void Crash_looping_pods_are_marked_with_their_reason_restarts_and_last_termination()
    {
        var text = AsciiDiagram.Render(SyntheticCluster.Build(pods: 23, crashLooping: 2), new AsciiDiagramOptions { Width = 140 });

        var failing = text.Split('\n').Where(l => l.Contains("[!!]", StringComparison.Ordinal) && l.Contains("CrashLoopBackOff", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, failing.Count);
        Assert.Contains("40 restarts (last Error, exit 1)", failing[0]);
        Assert.Contains("[!!] deployment/svc000", text);
    }

    [Fact]
    public void At_500_pods_the_diagram_turns_compact_but_no_failing_pod_is_hidden()
    {
        var snapshot = SyntheticCluster.Build(pods: 500, crashLooping: 7);
        var lines = AsciiDiagram.Render(snapshot).Split('\n');

        Assert.Equal(7, lines.Count(l => l.Contains("CrashLoopBackOff", StringComparison.Ordinal)));
        Assert.Equal(snapshot.Workloads.Count, lines.Count(l => l.Contains(" deployment/", StringComparison.Ordinal)));
        Assert.True(lines.Length < snapshot.Workloads.Count + 40, $"{lines.Length} lines for {snapshot.Workloads.Count} workloads");
        Assert.Contains("500 pods", lines[0]);
    }

    [Fact]
    public void Workloads_with_more_pods_than_the_limit_show_the_troubled_ones_and_count_the_rest()
    {
        var text = AsciiDiagram.Render(SyntheticCluster.Build(pods: 23, crashLooping: 2), new AsciiDiagramOptions { MaxPodsPerWorkload = 3, Width = 120 });

        Assert.Contains("... and 3 more pods: 3 [ok]", text);
        Assert.Equal(2, text.Split('\n').Count(l => l.Contains("CrashLoopBackOff", StringComparison.Ordinal)));
    }

    [Fact]
    public void Same_snapshot_gives_the_same_text_whatever_the_input_order()
    {
        var snapshot = SyntheticCluster.Build(pods: 60, crashLooping: 3);
        var shuffled = snapshot with
        {
            Pods = snapshot.Pods.Reverse().ToList(),
            Workloads = snapshot.Workloads.Reverse().ToList(),
            Services = snapshot.Services.Reverse().ToList(),
        };

        Assert.Equal(AsciiDiagram.Render(snapshot), AsciiDiagram.Render(shuffled));
        Assert.Equal(MermaidDiagram.Render(snapshot), MermaidDiagram.Render(shuffled));
    }
}
