using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Testing.Cluster;

namespace ConvoCanvas.Cluster.Tests;

public sealed class SnapshotDiffTests
{
    [Fact]
    public void Same_cluster_later_has_no_changes()
    {
        var a = SyntheticCluster.Build(23);

        Assert.Empty(SnapshotDiff.Between(a, SyntheticCluster.Build(23, at: a.TakenAt.AddMinutes(5))));
        Assert.StartsWith("first snapshot: 3 nodes", Assert.Single(SnapshotDiff.Between(null, a)));
    }

    [Fact]
    public void Node_address_readiness_restarts_and_new_pods_are_said_in_a_line_each()
    {
        var before = SyntheticCluster.Build(23);
        var after = SyntheticCluster.Build(30, crashLooping: 1) with
        {
            Nodes = [before.Nodes[0] with { InternalIp = "192.168.1.99" }, before.Nodes[1] with { Ready = false, NotReadyReason = "KubeletNotReady" }, before.Nodes[2]],
        };

        var changes = SnapshotDiff.Between(before, after);

        Assert.Contains("node k3s-agent-1: InternalIP 192.168.1.12 -> 192.168.1.99", changes);
        Assert.Contains("node k3s-agent-2: NotReady (KubeletNotReady)", changes);
        Assert.Contains(changes, c => c.StartsWith("pod kube-system/svc000-", StringComparison.Ordinal) && c.Contains("restarted 40 time(s) (Error)", StringComparison.Ordinal));
        Assert.Contains(changes, c => c.EndsWith("pod(s) started", StringComparison.Ordinal));
    }

    [Fact]
    public void A_big_redeploy_is_summarised()
    {
        var changes = SnapshotDiff.Between(SyntheticCluster.Build(500), SyntheticCluster.Build(500, crashLooping: 200));

        Assert.Equal(SnapshotDiff.MaxLines, changes.Count);
        Assert.Matches(@"^\.\.\. and \d+ more changes$", changes[^1]);
    }
}
