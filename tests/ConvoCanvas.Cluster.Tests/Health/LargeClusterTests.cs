using ConvoCanvas.Cluster.Health;
using ConvoCanvas.Cluster.Model;
using ConvoCanvas.Testing.Cluster;

namespace ConvoCanvas.Cluster.Tests.Health;

/// <summary>Health over thousands of pods: the memory is looked up by key, and the answers stay exact.</summary>
public sealed class LargeClusterTests
{
    [Fact]
    public void A_storm_in_one_workload_of_5000_pods_gives_exactly_one_restart_storm_finding()
    {
        var first = SyntheticCluster.Build(pods: 5000, crashLooping: 2);
        var crashing = first.Pods.Where(p => p.WaitingReason == "CrashLoopBackOff").ToList();
        var (ns, workload) = Assert.Single(crashing.Select(p => (p.Namespace, p.Workload)).Distinct());
        // Ten minutes on, each crash-looping pod has restarted 8 more times (over 5 an hour each, 16 in the namespace: under 20).
        var later = first with
        {
            TakenAt = first.TakenAt.AddMinutes(10),
            Pods = first.Pods.Select(p => p.WaitingReason != "CrashLoopBackOff" ? p : p with
            {
                Containers = p.Containers.Select(c => c with { Restarts = c.Restarts + 8, LastTerminatedAt = first.TakenAt.AddMinutes(9) }).ToList(),
            }).ToList(),
        };
        var evaluator = new HealthEvaluator();
        var watch = WatchState.Started(first.TakenAt);

        var atFirstSight = evaluator.Evaluate(first, watch, first.TakenAt).Findings.Where(f => f.Rule == HealthRuleNames.RestartStorm).ToList();
        var memory = evaluator.State.Memory;
        var afterTenMinutes = evaluator.Evaluate(later, watch, later.TakenAt).Findings.Where(f => f.Rule == HealthRuleNames.RestartStorm).ToList();

        Assert.Equal(Subjects.Workload(ns, workload), Assert.Single(atFirstSight).Subject);
        var storm = Assert.Single(afterTenMinutes);
        Assert.Equal(Subjects.Workload(ns, workload), storm.Subject);
        Assert.Equal("16", storm.Evidence["restartsInWindow"]);
        Assert.All(crashing, p => Assert.Contains(p.Name, storm.Evidence["pods"], StringComparison.Ordinal));
        // Every container is remembered and found by its key, the same series a search of the list finds.
        Assert.Equal(5000, memory.Restarts.Count);
        foreach (var pod in first.Pods.Where((_, i) => i % 97 == 0).Concat(crashing))
        {
            var container = pod.Containers[0].Name;
            var found = memory.FindRestarts(pod.Namespace, pod.Name, container);
            Assert.NotNull(found);
            Assert.Same(memory.Restarts.First(r => r.Namespace == pod.Namespace && r.Pod == pod.Name && r.Container == container), found);
        }
        Assert.Null(memory.FindRestarts(ns, "no-such-pod", "main"));
        Assert.Null(memory.FindRestarts(ns, crashing[0].Name, "no-such-container"));
    }

    [Fact]
    public void The_restart_index_follows_the_memory_it_was_built_for()
    {
        var t0 = SyntheticCluster.DefaultAt;
        var pod = new PodInfo { Namespace = "apps", Name = "web-1", Workload = "deployment/web", Phase = "Running", Containers = [new ContainerInfo { Name = "app", Restarts = 3 }] };
        var memory = HealthMemory.Empty.Observe(new ClusterSnapshot { Cluster = "home", TakenAt = t0, Pods = [pod] }, new HealthSettings());
        Assert.Equal(3, memory.FindRestarts("apps", "web-1", "app")!.Latest);

        var replaced = memory with { Restarts = [RestartSeries.First("apps", "web-1", "app", 9, t0)] };

        Assert.Equal(9, replaced.FindRestarts("apps", "web-1", "app")!.Latest);
        Assert.Equal(3, memory.FindRestarts("apps", "web-1", "app")!.Latest);
        Assert.Null((memory with { Restarts = [] }).FindRestarts("apps", "web-1", "app"));
    }
}
