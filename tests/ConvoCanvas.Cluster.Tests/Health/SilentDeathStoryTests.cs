using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Model;
using static ConvoCanvas.Cluster.Tests.Health.Fixtures;

namespace ConvoCanvas.Cluster.Tests.Health;

/// <summary>
/// The home K3s cluster that died quietly: on a Tuesday night DHCP gave the server a new address, DNS broke, pods
/// crash-looped, and the watcher (still pointed at the old address) could not reach the API; on Saturday morning 23
/// pods were expected and 6,812 restarts were found. Each step is a snapshot (or its absence) fed to the evaluator.
/// </summary>
public sealed class SilentDeathStoryTests
{
    private const string OldIp = "192.168.1.50";
    private const string NewIp = "192.168.1.77";

    private static readonly DateTimeOffset Monday = new(2026, 11, 23, 20, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Tuesday = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Saturday = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Namespace, workload, and whether it needs DNS to live.</summary>
    private static readonly (string Ns, string Workload, bool NeedsDns)[] Workloads =
    [
        ("kube-system", "deployment/coredns", true),
        ("kube-system", "deployment/local-path-provisioner", false),
        ("kube-system", "deployment/metrics-server", false),
        ("kube-system", "deployment/traefik", false),
        ("kube-system", "daemonset/svclb-traefik", false),
        ("media", "statefulset/jellyfin", false),
        ("media", "deployment/sonarr", true),
        ("media", "deployment/radarr", true),
        ("media", "deployment/prowlarr", true),
        ("media", "deployment/qbittorrent", true),
        ("home", "statefulset/home-assistant", true),
        ("home", "deployment/mosquitto", false),
        ("home", "deployment/zigbee2mqtt", true),
        ("home", "deployment/node-red", true),
        ("apps", "deployment/nextcloud", true),
        ("apps", "statefulset/nextcloud-db", true),
        ("apps", "deployment/redis", true),
        ("apps", "deployment/vaultwarden", true),
        ("apps", "deployment/gitea", true),
        ("apps", "statefulset/gitea-db", true),
        ("apps", "deployment/immich", true),
        ("apps", "statefulset/immich-db", true),
        ("apps", "deployment/pihole", true),
    ];

    /// <summary>The six that crash-loop without DNS, and their restart counts on Saturday: 6,812 in all.</summary>
    private static readonly Dictionary<string, int> SaturdayRestarts = new()
    {
        ["deployment/coredns"] = 1140,
        ["deployment/nextcloud"] = 1135,
        ["deployment/gitea"] = 1135,
        ["deployment/immich"] = 1134,
        ["statefulset/home-assistant"] = 1134,
        ["deployment/vaultwarden"] = 1134,
    };

    private static ClusterSnapshot Healthy(DateTimeOffset at) =>
        Snapshot(at, Workloads.Select(w => Named(w.Ns, w.Workload, Running(restarts: 0))), [Node("server", OldIp, roles: "control-plane")]);

    /// <summary>
    /// DNS is broken: the six crash-loop with <paramref name="restarts"/> of their Saturday count, and the rest of
    /// those needing DNS run but fail their readiness probes.
    /// </summary>
    private static ClusterSnapshot Broken(DateTimeOffset at, Func<int, int> restarts) => Snapshot(
        at,
        Workloads.Select(w => SaturdayRestarts.TryGetValue(w.Workload, out var total)
            ? Named(w.Ns, w.Workload, CrashLooping(restarts(total), at.AddMinutes(-2)))
            : Named(w.Ns, w.Workload, Running(restarts: 0) with { Ready = !w.NeedsDns })),
        [Node("server", NewIp, roles: "control-plane")],
        new DnsProbeResult("kubernetes.default.svc.cluster.local", false, "read udp 10.42.0.9:53: i/o timeout", at));

    private static PodInfo Named(string ns, string workload, ContainerInfo container)
    {
        var pod = Pod(ns, $"{workload.Split('/')[1]}-0", workload, container);
        return workload == "deployment/coredns" ? pod with { Labels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" } } : pod;
    }

    [Fact]
    public void Dhcp_change_to_saturday_morning_is_told_as_transitions_not_silence()
    {
        var evaluator = new HealthEvaluator(new HealthSettings { ExpectedPodsTotal = 23 });
        var watch = WatchState.Started(Monday);
        var transitions = new List<(DateTimeOffset At, AlertTransition Transition)>();
        void Evaluate(ClusterSnapshot? snapshot, DateTimeOffset now) =>
            transitions.AddRange(evaluator.Evaluate(snapshot, watch, now).Changes.Transitions.Select(t => (now, t)));

        // Monday evening: all 23 running; baselines are learned.
        for (var minute = 0; minute <= 30; minute += 5)
        {
            watch = watch.Succeeded(Monday.AddMinutes(minute));
            Evaluate(Healthy(Monday.AddMinutes(minute)), Monday.AddMinutes(minute));
        }
        Assert.Empty(transitions);
        Assert.Equal(9, evaluator.State.Memory.Baselines.Single(b => b.Namespace == "apps").Learned);

        // Tuesday 03:00: the new lease. The last snapshot before the watcher loses the old address.
        watch = watch.Succeeded(Tuesday);
        Evaluate(Broken(Tuesday, total => 3), Tuesday);
        var tuesday = transitions.Where(t => t.At == Tuesday).Select(t => t.Transition).ToList();
        Assert.All(tuesday, t => Assert.Equal(AlertEvent.Opened, t.Event));
        Assert.Contains(tuesday, t => t.Alert is { Rule: HealthRuleNames.NodeIpChanged, Subject: "node/server" } && t.Alert.Evidence["change"] == $"{OldIp} → {NewIp}");
        Assert.Contains(tuesday, t => t.Alert is { Rule: HealthRuleNames.Dns, Severity: Severity.Critical });
        Assert.Contains(tuesday, t => t.Alert is { Rule: HealthRuleNames.PodsMissing, Subject: Subjects.Cluster } && t.Alert.Evidence["ready"] == "6");
        Assert.Equal(6, tuesday.Count(t => t.Alert.Rule == HealthRuleNames.StuckContainer));

        // Then the API is unreachable at the old address, every minute, for four days.
        var error = $"dial tcp {OldIp}:6443: connect: no route to host";
        for (var at = Tuesday.AddMinutes(1); at < Saturday; at = at.AddMinutes(at < Tuesday.AddMinutes(10) ? 1 : 60))
        {
            watch = watch.Failed(at, error);
            Evaluate(null, at);
        }
        var outage = transitions.Where(t => t.At > Tuesday && t.At < Saturday).Select(t => t.Transition).ToList();
        Assert.Equal([HealthRuleNames.ApiUnreachable, HealthRuleNames.Silence], outage.Select(t => t.Alert.Rule).Order());
        Assert.All(outage, t => Assert.Equal(AlertEvent.Opened, t.Event));
        Assert.Equal(Tuesday.AddMinutes(6), transitions.Single(t => t.Transition.Alert.Rule == HealthRuleNames.Silence).At);
        // Nothing seen during the outage resolved: not seeing the cluster is not seeing it healthy.
        Assert.DoesNotContain(transitions, t => t.Transition.Event == AlertEvent.Resolved);

        // Saturday 08:00: the kubeconfig is fixed and a snapshot arrives.
        watch = watch.Succeeded(Saturday);
        var saturday = Broken(Saturday, total => total);
        Assert.Equal(6812, saturday.Pods.Sum(p => p.Restarts));
        var result = evaluator.Evaluate(saturday, watch, Saturday);

        Assert.Equal([HealthRuleNames.ApiUnreachable, HealthRuleNames.Silence], result.Changes.Resolved.Select(a => a.Rule).Order());
        var storms = result.Changes.Opened.Where(a => a.Rule == HealthRuleNames.RestartStorm).ToList();
        // About 11 restarts an hour each, spread over the 101 hours unwatched: six workloads and the apps namespace.
        Assert.Equal(7, storms.Count);
        Assert.Contains(storms, a => a.Subject == "namespace/apps");
        Assert.Equal(6812, storms.Where(a => !a.Subject.StartsWith("namespace/", StringComparison.Ordinal)).Sum(a => a.RestartCount));
        var missing = Assert.Single(evaluator.OpenAlerts, a => a is { Rule: HealthRuleNames.PodsMissing, Subject: Subjects.Cluster });
        Assert.Equal("23", missing.Evidence["expected"]);
        Assert.Equal("6", missing.Evidence["ready"]);
        // The Tuesday alerts are the same alerts, open since the night it broke.
        Assert.Equal(Tuesday, Assert.Single(evaluator.OpenAlerts, a => a.Rule == HealthRuleNames.Dns).OpenedAt);
        Assert.Equal(Tuesday, Assert.Single(evaluator.OpenAlerts, a => a.Rule == HealthRuleNames.NodeIpChanged).OpenedAt);
    }

    [Fact]
    public void Saturday_snapshot_alone_shows_the_restart_storm_on_first_sight()
    {
        var saturday = Broken(Saturday, total => total);

        var findings = HealthEvaluator.Check(saturday, new HealthSettings { ExpectedPodsTotal = 23 });

        var storms = findings.Where(f => f.Rule == HealthRuleNames.RestartStorm).ToList();
        Assert.Equal(6, storms.Count);
        Assert.All(storms, f => Assert.Equal("unknown (first sight)", f.Evidence["restartsInWindow"]));
        Assert.Equal(6812, storms.Sum(f => f.RestartCount));
        Assert.Contains(findings, f => f is { Rule: HealthRuleNames.PodsMissing, Subject: Subjects.Cluster });
        Assert.Contains(findings, f => f.Rule == HealthRuleNames.Dns);
    }
}
