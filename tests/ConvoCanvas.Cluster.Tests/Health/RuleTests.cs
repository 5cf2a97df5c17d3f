using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Health.Rules;
using ConvoCanvas.Cluster.Model;
using static ConvoCanvas.Cluster.Tests.Health.Fixtures;

namespace ConvoCanvas.Cluster.Tests.Health;

public sealed class RuleTests
{
    private static readonly HealthSettings Settings = new();

    private static List<Finding> Run(IHealthRule rule, HealthContext context) => [.. rule.Evaluate(context)];

    [Fact]
    public void Restart_storm_counts_restarts_between_samples_over_the_hour()
    {
        // Six restarts in 50 minutes: over the default five an hour.
        var before = Snapshot(T0, [Pod("media", "jellyfin-0", "statefulset/jellyfin", Running(restarts: 3))]);
        var now = Snapshot(T0.AddMinutes(50), [Pod("media", "jellyfin-0", "statefulset/jellyfin", CrashLooping(9, T0.AddMinutes(49)))]);

        var finding = Assert.Single(Run(new RestartStormRule(), Context(now, Remembering(Settings, before))));

        Assert.Equal("media/statefulset/jellyfin", finding.Subject);
        Assert.Equal("6", finding.Evidence["restartsInWindow"]);
        Assert.Equal("9", finding.Evidence["totalRestarts"]);
        Assert.Equal("Error", finding.Evidence["lastTerminationReason"]);
        Assert.Equal("1", finding.Evidence["lastExitCode"]);
        Assert.Equal(9, finding.RestartCount);
    }

    [Fact]
    public void Restart_storm_ignores_a_slow_trickle_and_old_restarts()
    {
        // Four restarts in the hour, and a high count left from last week.
        var before = Snapshot(T0, [Pod("media", "jellyfin-0", "statefulset/jellyfin", Running(restarts: 300))]);
        var now = Snapshot(T0.AddMinutes(55), [Pod("media", "jellyfin-0", "statefulset/jellyfin", Running(restarts: 304))]);

        Assert.Empty(Run(new RestartStormRule(), Context(now, Remembering(Settings, before))));
    }

    [Fact]
    public void Restart_storm_on_first_sight_needs_a_high_count_and_a_recent_termination()
    {
        var recent = Snapshot(T0, [Pod("apps", "api-1", "deployment/api", CrashLooping(250, T0.AddMinutes(-3)))]);
        var old = Snapshot(T0, [Pod("apps", "api-1", "deployment/api", Running(restarts: 250) with { LastTerminatedAt = T0.AddDays(-3) })]);

        var finding = Assert.Single(Run(new RestartStormRule(), Context(recent)));
        Assert.Equal("unknown (first sight)", finding.Evidence["restartsInWindow"]);
        Assert.Equal("250", finding.Evidence["totalRestarts"]);
        Assert.Empty(Run(new RestartStormRule(), Context(old)));
    }

    [Fact]
    public void Restart_storm_per_namespace_adds_up_pods_each_under_the_pod_threshold()
    {
        // Five pods of five workloads, each restarting five times: no pod storms, the namespace (25 > 20) does.
        var names = Enumerable.Range(1, 5).Select(i => $"svc{i}").ToList();
        var before = Snapshot(T0, names.Select(n => Pod("apps", n, $"deployment/{n}", Running(restarts: 0))));
        var now = Snapshot(T0.AddMinutes(40), names.Select(n => Pod("apps", n, $"deployment/{n}", Running(restarts: 5))));

        var finding = Assert.Single(Run(new RestartStormRule(), Context(now, Remembering(Settings, before))));

        Assert.Equal("namespace/apps", finding.Subject);
        Assert.Equal("25", finding.Evidence["restartsInWindow"]);
        Assert.Equal(Severity.Critical, finding.Severity);
    }

    [Fact]
    public void Restarts_seen_after_a_gap_are_spread_over_the_gap()
    {
        // 48 restarts over four days unwatched is half a restart an hour, not 48 in the last hour.
        var before = Snapshot(T0.AddDays(-4), [Pod("apps", "api-1", "deployment/api", Running(restarts: 0))]);
        var now = Snapshot(T0, [Pod("apps", "api-1", "deployment/api", Running(restarts: 48))]);

        Assert.Empty(Run(new RestartStormRule(), Context(now, Remembering(Settings, before))));
    }

    [Fact]
    public void Stuck_containers_are_reported_once_per_workload_with_their_reason()
    {
        var snapshot = Snapshot(T0,
        [
            Pod("apps", "web-1", "deployment/web", CrashLooping(7, T0.AddMinutes(-1))),
            Pod("apps", "web-2", "deployment/web", CrashLooping(8, T0.AddMinutes(-2))),
            Pod("apps", "web-3", "deployment/web", CrashLooping(6, T0.AddMinutes(-3))),
            Pod("apps", "db-0", "statefulset/db", new ContainerInfo { Name = "db", WaitingReason = "ImagePullBackOff", WaitingMessage = "Back-off pulling image \"postgres:99\"" }),
            Pod("apps", "cache-1", "deployment/cache", new ContainerInfo { Name = "cache", WaitingReason = "ContainerCreating" }),
        ]);

        var findings = Run(new StuckContainerRule(), Context(snapshot));

        Assert.Equal(["apps/deployment/web", "apps/statefulset/db"], findings.Select(f => f.Subject));
        var web = findings[0];
        Assert.Equal("CrashLoopBackOff", web.Evidence["reason"]);
        Assert.Equal("web-1, web-2, web-3", web.Evidence["pods"]);
        Assert.Equal(Severity.Critical, web.Severity);
        Assert.Equal(21, web.RestartCount);
        Assert.Equal("ImagePullBackOff", findings[1].Evidence["reason"]);
        Assert.Contains("postgres:99", findings[1].Evidence["message"]);
    }

    [Fact]
    public void Healthy_pods_are_not_stuck()
    {
        Assert.Empty(Run(new StuckContainerRule(), Context(Snapshot(T0, [Pod("apps", "web-1", "deployment/web")]))));
    }

    [Fact]
    public void Node_not_ready_carries_the_condition_reason()
    {
        var snapshot = Snapshot(T0, [], [Node("server", "192.168.1.50"), Node("pi", "192.168.1.60", ready: false, reason: "KubeletNotReady: container runtime is down")]);

        var finding = Assert.Single(Run(new NodeNotReadyRule(), Context(snapshot)));

        Assert.Equal("node/pi", finding.Subject);
        Assert.Equal("KubeletNotReady: container runtime is down", finding.Evidence["reason"]);
        Assert.Empty(Run(new NodeNotReadyRule(), Context(Snapshot(T0, []))));
    }

    [Fact]
    public void Node_ip_change_shows_old_and_new_address_and_stays_reported_for_a_while()
    {
        var before = Snapshot(T0, [], [Node("server", "192.168.1.50", roles: "control-plane")]);
        var after = Snapshot(T0.AddMinutes(1), [], [Node("server", "192.168.1.77", roles: "control-plane")]);
        var memory = Remembering(Settings, before);

        var finding = Assert.Single(Run(new NodeIpChangedRule(), Context(after, memory)));
        Assert.Equal("node/server", finding.Subject);
        Assert.Equal("192.168.1.50 → 192.168.1.77", finding.Evidence["change"]);
        Assert.Equal(Severity.Critical, finding.Severity);

        // Once folded in, the change is remembered for an hour, then forgotten.
        memory = memory.Observe(after, Settings);
        var later = after with { TakenAt = T0.AddMinutes(30) };
        Assert.Single(Run(new NodeIpChangedRule(), Context(later, memory)));
        var muchLater = after with { TakenAt = T0.AddHours(2) };
        Assert.Empty(Run(new NodeIpChangedRule(), Context(muchLater, memory.Observe(later, Settings))));
    }

    [Fact]
    public void Same_node_address_is_no_change()
    {
        var snapshot = Snapshot(T0, []);
        Assert.Empty(Run(new NodeIpChangedRule(), Context(snapshot with { TakenAt = T0.AddMinutes(1) }, Remembering(Settings, snapshot))));
    }

    [Fact]
    public void Dns_down_when_no_coredns_pod_is_ready_or_the_probe_fails()
    {
        var rule = new DnsRule();
        var down = Snapshot(T0, [CoreDns("coredns-a", ready: false), CoreDns("coredns-b", ready: false)]);
        var up = Snapshot(T0, [CoreDns("coredns-a", ready: false), CoreDns("coredns-b", ready: true)]);
        var probeFails = up with { Dns = new DnsProbeResult("kubernetes.default.svc.cluster.local", false, "SERVFAIL", T0) };

        var finding = Assert.Single(Run(rule, Context(down)));
        Assert.Equal(Subjects.Cluster, finding.Subject);
        Assert.Equal("0/2", finding.Evidence["coreDnsReady"]);
        Assert.Equal("CrashLoopBackOff: 2", finding.Evidence["coreDnsPods"]);
        Assert.Empty(Run(rule, Context(up)));
        Assert.Equal("kubernetes.default.svc.cluster.local: SERVFAIL", Assert.Single(Run(rule, Context(probeFails))).Evidence["probe"]);
    }

    [Fact]
    public void Pods_missing_against_a_configured_namespace_count_and_cluster_total()
    {
        var settings = new HealthSettings { ExpectedPods = new Dictionary<string, int> { ["media"] = 3 }, ExpectedPodsTotal = 23 };
        var snapshot = Snapshot(T0, [Pod("media", "jellyfin-0", "statefulset/jellyfin"), Pod("media", "sonarr-1", "deployment/sonarr", CrashLooping(3, T0))]);

        var findings = Run(new PodsMissingRule(), Context(snapshot, settings: settings));

        Assert.Equal(["namespace/media", "cluster"], findings.Select(f => f.Subject));
        Assert.Equal("1", findings[0].Evidence["ready"]);
        Assert.Equal("3", findings[0].Evidence["expected"]);
        Assert.Equal("deployment/sonarr", findings[0].Evidence["notReadyWorkloads"]);
        Assert.Equal("23", findings[1].Evidence["expected"]);
        Assert.Empty(Run(new PodsMissingRule(), Context(snapshot, settings: new HealthSettings { ExpectedPods = new Dictionary<string, int> { ["media"] = 1 } })));
    }

    [Fact]
    public void Api_unreachable_when_the_last_attempt_failed()
    {
        var failed = WatchState.Started(T0).Succeeded(T0).Failed(T0.AddMinutes(1), "dial tcp 192.168.1.50:6443: connect: no route to host");

        var finding = Assert.Single(Run(new ApiUnreachableRule(), Context(null, watch: failed, now: T0.AddMinutes(1))));

        Assert.Contains("no route to host", finding.Evidence["lastError"]);
        Assert.Empty(Run(new ApiUnreachableRule(), Context(null, watch: failed.Succeeded(T0.AddMinutes(2)))));
    }

    [Fact]
    public void Silence_is_judged_by_the_clock_against_the_last_success()
    {
        var watch = WatchState.Started(T0).Succeeded(T0);

        Assert.Empty(Run(new SilenceRule(), Context(null, watch: watch, now: T0.AddMinutes(5))));
        var finding = Assert.Single(Run(new SilenceRule(), Context(null, watch: watch, now: T0.AddMinutes(6))));
        Assert.Equal("6m 0s", finding.Evidence["silentFor"]);
        // A watcher that never succeeded is silent from when it started.
        Assert.Single(Run(new SilenceRule(), Context(null, watch: WatchState.Started(T0), now: T0.AddMinutes(6))));
    }
}
