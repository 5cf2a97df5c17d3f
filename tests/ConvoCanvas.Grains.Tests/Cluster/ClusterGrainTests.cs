using ConvoCanvas.Cluster.Health;

namespace ConvoCanvas.Grains.Tests.Cluster;

public sealed class ClusterGrainTests : KubernetesCluster
{
    [Fact]
    public async Task Watched_cluster_is_drawn_and_the_drawing_follows_a_node_IP_change()
    {
        var first = await DiagramWhenAsync(d => d.Text is not null);
        Assert.NotNull(first.Text);
        Assert.Contains("kind-worker2", first.Text);
        Assert.Contains("deployment/coredns", first.Text);
        Assert.Contains("172.18.0.3", first.Text);

        Kubernetes.SetNodeInternalIp("kind-worker2", "172.18.0.99");
        var changed = await DiagramWhenAsync(d => d.Text?.Contains("172.18.0.99", StringComparison.Ordinal) == true);

        Assert.Contains("172.18.0.99", changed.Text);
        Assert.True(changed.Version > first.Version);
        var mermaid = await Diagrams.GetDiagramAsync("mermaid", 100);
        Assert.StartsWith("flowchart TB", mermaid.Text);
        Assert.Contains("172.18.0.99", mermaid.Text);
        var history = await Diagrams.GetHistoryAsync(10);
        Assert.True(history.Count >= 2);
        Assert.Equal(changed.Version, history[0].Version);
        Assert.Contains("node kind-worker2: InternalIP 172.18.0.3 -> 172.18.0.99", history[0].Changes);

        // The IP change is also an alert, with the old and the new address as evidence.
        var alerts = await AlertsWhenAsync(a => a.Open.Any(x => x.Rule == HealthRuleNames.NodeIpChanged));
        var ip = Assert.Single(alerts.Open, a => a.Rule == HealthRuleNames.NodeIpChanged);
        Assert.Equal("node/kind-worker2", ip.Subject);
        Assert.Contains(ip.Evidence.Values, v => v.Contains("172.18.0.3", StringComparison.Ordinal));
        Assert.Contains(ip.Evidence.Values, v => v.Contains("172.18.0.99", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Real_dump_problems_open_alerts_once_and_reach_the_sinks()
    {
        // The kind cluster as captured: kind-worker NotReady, and no CoreDNS pod ready.
        var alerts = await AlertsWhenAsync(a => a.Open.Any(x => x.Rule == HealthRuleNames.NodeNotReady) && a.Open.Any(x => x.Rule == HealthRuleNames.Dns));

        Assert.Equal("node/kind-worker", Assert.Single(alerts.Open, a => a.Rule == HealthRuleNames.NodeNotReady).Subject);
        Assert.Single(alerts.Open, a => a.Rule == HealthRuleNames.Dns);
        Assert.Contains(Sink.Seen, t => t.Event == AlertEvent.Opened && t.Alert.Rule == HealthRuleNames.NodeNotReady);

        // The node comes back: the alert resolves (after its hold), and stays one alert however many snapshots saw it.
        Kubernetes.SetNodeReady("kind-worker", true);
        await DiagramWhenAsync(d => d.Text?.Contains("[!!] kind-worker ", StringComparison.Ordinal) == false);
        var later = await Health.GetAlertsAsync(includeResolved: true);
        Assert.Single(later.Open.Concat(later.Resolved), a => a.Rule == HealthRuleNames.NodeNotReady);
        Assert.Single(Sink.Seen, t => t.Event == AlertEvent.Opened && t.Alert.Rule == HealthRuleNames.NodeNotReady);
    }

    [Fact]
    public async Task Crash_looping_pods_of_one_workload_raise_one_alert_with_the_evidence()
    {
        await DiagramWhenAsync(d => d.Text is not null);
        foreach (var pod in new[] { "kube-proxy-8jj5r", "kube-proxy-g79v6", "kube-proxy-lrtdp" })
        {
            Kubernetes.AddContainerRestart("kube-system", pod, reason: "OOMKilled", exitCode: 137);
        }

        var alerts = await AlertsWhenAsync(a => a.Open.Any(x => x.Rule == HealthRuleNames.StuckContainer && x.Subject.Contains("kube-proxy", StringComparison.Ordinal)));

        var stuck = Assert.Single(alerts.Open, a => a.Rule == HealthRuleNames.StuckContainer && a.Subject.Contains("kube-proxy", StringComparison.Ordinal));
        Assert.Equal("kube-system/daemonset/kube-proxy", stuck.Subject);
        Assert.Contains(stuck.Evidence.Values, v => v.Contains("OOMKilled", StringComparison.Ordinal));
        var diagram = await DiagramWhenAsync(d => d.Text?.Contains("CrashLoopBackOff", StringComparison.Ordinal) == true);
        Assert.Contains("[!!] daemonset/kube-proxy", diagram.Text);
    }

    [Fact]
    public async Task API_going_away_raises_unreachable_then_silence_and_both_resolve_when_it_returns()
    {
        await DiagramWhenAsync(d => d.Text is not null);
        await Kubernetes.StopAnsweringAsync();

        var down = await AlertsWhenAsync(a => a.Open.Any(x => x.Rule == HealthRuleNames.ApiUnreachable) && a.Open.Any(x => x.Rule == HealthRuleNames.Silence));
        Assert.Contains(down.Open, a => a.Rule == HealthRuleNames.ApiUnreachable);
        Assert.Contains(down.Open, a => a.Rule == HealthRuleNames.Silence);
        var status = await Watcher.GetStatusAsync();
        Assert.False(status.Connected);
        Assert.NotNull(status.LastError);

        await Kubernetes.ResumeAsync();
        var back = await AlertsWhenAsync(a => !a.Open.Any(x => x.Rule is HealthRuleNames.ApiUnreachable or HealthRuleNames.Silence));
        Assert.DoesNotContain(back.Open, a => a.Rule is HealthRuleNames.ApiUnreachable or HealthRuleNames.Silence);
        Assert.Contains(back.Resolved, a => a.Rule == HealthRuleNames.Silence && a.ResolvedAt is not null);
    }
}

public sealed class ClusterNotConfiguredTests : KubernetesCluster
{
    [Fact]
    public async Task A_cluster_that_is_not_the_configured_one_says_which_is()
    {
        var other = Client.GetGrain<ConvoCanvas.Abstractions.IDiagramGrain>("elsewhere");

        var diagram = await other.GetDiagramAsync("ascii", 100);
        var alerts = await Client.GetGrain<ConvoCanvas.Abstractions.IHealthGrain>("elsewhere").GetAlertsAsync(false);

        Assert.Null(diagram.Text);
        Assert.Contains("'kind'", diagram.Status);
        Assert.Contains("'kind'", alerts.Status);
        await Assert.ThrowsAsync<ArgumentException>(() => other.GetDiagramAsync("png", 100));
    }
}

public sealed class ClusterDnsProbeTests : KubernetesCluster
{
    // A name under .invalid never resolves (RFC 6761): the lookup fails however the host's resolver is set up.
    protected override ConvoCanvas.Cluster.Watching.ClusterConnectionOptions Configure(ConvoCanvas.Cluster.Watching.ClusterConnectionOptions options) =>
        options with { DnsProbeName = "convocanvas-probe.invalid", DnsProbeInterval = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task A_failing_DNS_lookup_is_evidence_in_the_DNS_alert()
    {
        var alerts = await AlertsWhenAsync(a => a.Open.Any(x => x.Rule == HealthRuleNames.Dns && x.Evidence.ContainsKey("probe")));

        var dns = Assert.Single(alerts.Open, a => a.Rule == HealthRuleNames.Dns);
        Assert.StartsWith("convocanvas-probe.invalid: ", dns.Evidence["probe"]);
        Assert.Contains("looking up convocanvas-probe.invalid failed", dns.Message);
        var snapshot = await Watcher.GetSnapshotAsync();
        Assert.False(snapshot?.Dns?.Ok);
    }
}
