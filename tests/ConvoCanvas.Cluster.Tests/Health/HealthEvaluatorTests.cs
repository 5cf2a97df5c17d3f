using System.Text.Json;
using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Cluster.Offline;
using Microsoft.Extensions.Configuration;
using static ConvoCanvas.Cluster.Tests.Health.Fixtures;

namespace ConvoCanvas.Cluster.Tests.Health;

public sealed class HealthEvaluatorTests
{
    [Fact]
    public void Kind_cluster_dump_shows_the_not_ready_worker_and_dns_down()
    {
        var snapshot = SnapshotBuilder.Build("kind", DumpFolder.Read(SharedK8sData.KindCluster), T0);

        var findings = HealthEvaluator.Check(snapshot);

        var node = Assert.Single(findings, f => f.Rule == HealthRuleNames.NodeNotReady);
        Assert.Equal("node/kind-worker", node.Subject);
        Assert.StartsWith("KubeletNotReady", node.Evidence["reason"]);
        // All four coredns replicas are Pending, two of them never scheduled.
        var dns = Assert.Single(findings, f => f.Rule == HealthRuleNames.Dns);
        Assert.Equal("0/4", dns.Evidence["coreDnsReady"]);
        Assert.Contains("Pending (unscheduled): 2", dns.Evidence["coreDnsPods"]);
        Assert.DoesNotContain(findings, f => f.Rule is HealthRuleNames.Silence or HealthRuleNames.ApiUnreachable);
    }

    [Fact]
    public void Real_pod_json_in_image_pull_back_off_is_found()
    {
        var snapshot = SnapshotBuilder.Build("dump", DumpFolder.Parse("PrintPodStatus.json", File.ReadAllText(SharedK8sData.PrintPodStatus)), T0);

        var findings = HealthEvaluator.Check(snapshot);

        var stuck = Assert.Single(findings, f => f.Rule == HealthRuleNames.StuckContainer && f.Evidence["reason"].Contains("ImagePullBackOff", StringComparison.Ordinal));
        Assert.Contains("ImagePullBackOff", stuck.Message);
        Assert.Contains(snapshot.Pods, p => Subjects.Workload(p.Namespace, p.Workload) == stuck.Subject);
    }

    [Fact]
    public void Three_crash_looping_pods_of_one_deployment_make_one_alert_per_rule()
    {
        var evaluator = new HealthEvaluator();
        var pods = Enumerable.Range(1, 3).Select(i => Pod("apps", $"web-7d9f-{i}", "deployment/web", CrashLooping(30 + i, T0.AddMinutes(-i)))).ToList();

        var result = evaluator.Evaluate(Snapshot(T0, pods), WatchState.Started(T0), T0);

        // One subject for the workload, whatever its pods are called; no alert per pod.
        Assert.Equal(
            [(HealthRuleNames.RestartStorm, "apps/deployment/web"), (HealthRuleNames.StuckContainer, "apps/deployment/web")],
            result.Changes.Opened.Select(a => a.Key).Order());
        var stuck = Assert.Single(result.Changes.Opened, a => a.Rule == HealthRuleNames.StuckContainer);
        Assert.Equal("web-7d9f-1, web-7d9f-2, web-7d9f-3", stuck.Evidence["pods"]);
    }

    [Fact]
    public void Crash_loop_briefly_running_between_restarts_keeps_its_alert()
    {
        var evaluator = new HealthEvaluator();
        var watch = WatchState.Started(T0);
        ClusterSnapshot At(int minute, ContainerInfo container) => Snapshot(T0.AddMinutes(minute), [Pod("apps", "web-1", "deployment/web", container)]);

        Assert.Contains(evaluator.Evaluate(At(0, CrashLooping(12, T0)), watch, T0).Changes.Opened, a => a.Rule == HealthRuleNames.StuckContainer);
        var transitions = new List<AlertTransition>();
        for (var minute = 1; minute <= 30; minute++)
        {
            // Every fifth minute the container has just restarted and is Running for a moment.
            var restarts = 12 + minute / 5;
            var container = minute % 5 == 0 ? BrieflyRunning(restarts, T0.AddMinutes(minute)) : CrashLooping(restarts, T0.AddMinutes(minute / 5 * 5));
            transitions.AddRange(evaluator.Evaluate(At(minute, container), watch, T0.AddMinutes(minute)).Changes.Transitions);
        }

        Assert.Empty(transitions);
        Assert.Equal(T0, Assert.Single(evaluator.OpenAlerts, a => a.Rule == HealthRuleNames.StuckContainer).OpenedAt);

        // The restart at 30 was the last one (say a fix landed): from 31 it is Running, ready and the count stays 18.
        // Two minutes on it is still open; ten minutes after the last restart it resolves.
        var lastRestart = T0.AddMinutes(30);
        for (var minute = 31; minute <= 39; minute++)
        {
            Assert.DoesNotContain(evaluator.Evaluate(At(minute, Running(restarts: 18)), watch, T0.AddMinutes(minute)).Changes.Resolved, a => a.Rule == HealthRuleNames.StuckContainer);
        }
        var resolved = evaluator.Evaluate(At(40, Running(restarts: 18)), watch, T0.AddMinutes(40)).Changes.Resolved;
        Assert.Equal(lastRestart.AddMinutes(10), Assert.Single(resolved, a => a.Rule == HealthRuleNames.StuckContainer).ResolvedAt);
    }

    [Fact]
    public void Node_ip_change_opens_an_alert_with_old_and_new_address()
    {
        var evaluator = new HealthEvaluator();
        var watch = WatchState.Started(T0);
        evaluator.Evaluate(Snapshot(T0, [Pod("apps", "web-1", "deployment/web")]), watch, T0);

        var result = evaluator.Evaluate(Snapshot(T0.AddMinutes(1), [Pod("apps", "web-1", "deployment/web")], [Node("server", "192.168.1.77", roles: "control-plane")]), watch, T0.AddMinutes(1));

        var alert = Assert.Single(result.Changes.Opened);
        Assert.Equal(HealthRuleNames.NodeIpChanged, alert.Rule);
        Assert.Equal("192.168.1.50", alert.Evidence["oldIp"]);
        Assert.Equal("192.168.1.77", alert.Evidence["newIp"]);
    }

    [Fact]
    public void Silence_opens_on_the_clock_and_resolves_when_a_snapshot_arrives()
    {
        var evaluator = new HealthEvaluator();
        var watch = WatchState.Started(T0).Succeeded(T0);
        var pods = new[] { Pod("apps", "web-1", "deployment/web") };
        evaluator.Evaluate(Snapshot(T0, pods), watch, T0);

        Assert.Empty(evaluator.Evaluate(null, watch, T0.AddMinutes(3)).Changes.Opened);
        var opened = evaluator.Evaluate(null, watch, T0.AddMinutes(6)).Changes.Opened;
        Assert.Equal(HealthRuleNames.Silence, Assert.Single(opened).Rule);

        var resolved = evaluator.Evaluate(Snapshot(T0.AddMinutes(7), pods), watch, T0.AddMinutes(7)).Changes.Resolved;
        Assert.Equal(HealthRuleNames.Silence, Assert.Single(resolved).Rule);
        Assert.Empty(evaluator.OpenAlerts);
    }

    [Fact]
    public void A_learned_baseline_catches_a_namespace_losing_pods()
    {
        var evaluator = new HealthEvaluator();
        var watch = WatchState.Started(T0);
        var media = new[] { "jellyfin", "sonarr", "radarr", "prowlarr" }.Select(n => Pod("media", $"{n}-0", $"statefulset/{n}")).ToList();

        for (var minute = 0; minute <= 15; minute += 5)
        {
            Assert.Empty(evaluator.Evaluate(Snapshot(T0.AddMinutes(minute), media), watch, T0.AddMinutes(minute)).Findings);
        }
        Assert.Equal(4, Assert.Single(evaluator.State.Memory.Baselines).Learned);

        var lost = media.Take(2).Append(media[2] with { Phase = "Failed", Ready = false, Reason = "Evicted" }).ToList();
        var result = evaluator.Evaluate(Snapshot(T0.AddMinutes(20), lost), watch, T0.AddMinutes(20));

        var alert = Assert.Single(result.Changes.Opened);
        Assert.Equal("namespace/media", alert.Subject);
        Assert.Equal("4", alert.Evidence["expected"]);
        Assert.Equal("2", alert.Evidence["ready"]);
        Assert.Equal("learned", alert.Evidence["baseline"]);
        // The lower count is not learned as normal within the day.
        evaluator.Evaluate(Snapshot(T0.AddHours(3), lost), watch, T0.AddHours(3));
        Assert.Equal(4, Assert.Single(evaluator.State.Memory.Baselines).Learned);
    }

    [Fact]
    public void A_deleted_namespace_drops_its_learned_baseline_instead_of_alarming()
    {
        var evaluator = new HealthEvaluator();
        var watch = WatchState.Started(T0);
        var web = Pod("apps", "web-0", "statefulset/web");
        var media = new[] { "jellyfin", "sonarr", "radarr" }.Select(n => Pod("media", $"{n}-0", $"statefulset/{n}")).ToList();
        for (var minute = 0; minute <= 15; minute += 5)
        {
            evaluator.Evaluate(Snapshot(T0.AddMinutes(minute), [web, .. media]), watch, T0.AddMinutes(minute));
        }
        Assert.Equal(3, evaluator.State.Memory.Baselines.Single(b => b.Namespace == "media").Learned);

        // kubectl delete namespace media: first Terminating with its pods going, then gone.
        var terminating = Snapshot(T0.AddMinutes(20), [web]) with { Namespaces = [new("apps", "Active"), new("media", "Terminating")] };
        var whileTerminating = evaluator.Evaluate(terminating, watch, T0.AddMinutes(20));
        var gone = evaluator.Evaluate(Snapshot(T0.AddMinutes(21), [web]), watch, T0.AddMinutes(21));
        var later = evaluator.Evaluate(Snapshot(T0.AddMinutes(40), [web]), watch, T0.AddMinutes(40));

        Assert.DoesNotContain(whileTerminating.Findings.Concat(gone.Findings).Concat(later.Findings), f => f.Rule == HealthRuleNames.PodsMissing);
        Assert.Empty(evaluator.OpenAlerts);
        Assert.Equal(["apps"], evaluator.State.Memory.Baselines.Select(b => b.Namespace));
    }

    [Fact]
    public void An_emptied_namespace_that_still_exists_keeps_alarming()
    {
        var evaluator = new HealthEvaluator();
        var watch = WatchState.Started(T0);
        var media = new[] { "jellyfin", "sonarr", "radarr" }.Select(n => Pod("media", $"{n}-0", $"statefulset/{n}")).ToList();
        for (var minute = 0; minute <= 15; minute += 5)
        {
            evaluator.Evaluate(Snapshot(T0.AddMinutes(minute), media), watch, T0.AddMinutes(minute));
        }

        var empty = Snapshot(T0.AddMinutes(20), []) with { Namespaces = [new("media", "Active")] };
        var result = evaluator.Evaluate(empty, watch, T0.AddMinutes(20));

        var missing = Assert.Single(result.Findings, f => f.Rule == HealthRuleNames.PodsMissing);
        Assert.Equal((Severity.Critical, "namespace/media", "3"), (missing.Severity, missing.Subject, missing.Evidence["expected"]));
        Assert.Equal(3, Assert.Single(evaluator.State.Memory.Baselines).Learned);
    }

    [Fact]
    public void Evaluator_state_round_trips_through_System_Text_Json()
    {
        var evaluator = new HealthEvaluator();
        var watch = WatchState.Started(T0);
        evaluator.Evaluate(Snapshot(T0, [Pod("apps", "web-1", "deployment/web", Running(restarts: 2))]), watch, T0);
        evaluator.Evaluate(Snapshot(T0.AddMinutes(5), [Pod("apps", "web-1", "deployment/web", CrashLooping(9, T0.AddMinutes(4)))]), watch, T0.AddMinutes(5));

        var json = JsonSerializer.Serialize(evaluator.State);
        var restored = JsonSerializer.Deserialize<HealthEvaluatorState>(json)!;

        Assert.Equal(json, JsonSerializer.Serialize(restored));
        var again = new HealthEvaluator(state: restored);
        Assert.Equal(evaluator.OpenAlerts.Select(a => a.Key), again.OpenAlerts.Select(a => a.Key));
        Assert.Equal([2, 9], again.State.Memory.Restarts.Single().Points.Select(p => p.Restarts));
    }

    [Fact]
    public void Settings_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConvoCanvas:Cluster:Health:PodRestartsPerHour"] = "8",
            ["ConvoCanvas:Cluster:Health:ExpectedPodsTotal"] = "23",
            ["ConvoCanvas:Cluster:Health:ExpectedPods:media"] = "5",
            ["ConvoCanvas:Cluster:Health:SilenceLimit"] = "00:02:00",
            ["ConvoCanvas:Cluster:Health:ResolveHoldByRule:dns"] = "00:30:00",
            ["ConvoCanvas:Cluster:Health:Webhook:Url"] = "http://127.0.0.1:9/hook",
        }).Build();

        var settings = configuration.GetSection(HealthSettings.SectionName).Get<HealthSettings>()!;

        Assert.Equal(8, settings.PodRestartsPerHour);
        Assert.Equal(20, settings.NamespaceRestartsPerHour);
        Assert.Equal(23, settings.ExpectedPodsTotal);
        Assert.Equal(5, settings.ExpectedPods["media"]);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.SilenceLimit);
        Assert.Equal(TimeSpan.FromMinutes(30), settings.HoldFor(HealthRuleNames.Dns));
        Assert.Equal(TimeSpan.Zero, settings.HoldFor(HealthRuleNames.Silence));
        Assert.Equal(new Uri("http://127.0.0.1:9/hook"), settings.Webhook.Url);
        Assert.Equal(4, settings.StuckWaitingReasons.Count);
    }
}
