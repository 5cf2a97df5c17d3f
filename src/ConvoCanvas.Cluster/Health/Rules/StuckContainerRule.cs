namespace ConvoCanvas.Cluster.Health.Rules;

/// <summary>
/// Containers waiting for a reason that does not pass by itself (CrashLoopBackOff, ImagePullBackOff…), one finding
/// per workload; critical when none of the workload's pods is ready.
/// </summary>
public sealed class StuckContainerRule : IHealthRule
{
    public string Name => HealthRuleNames.StuckContainer;

    public IEnumerable<Finding> Evaluate(HealthContext context)
    {
        if (context.Snapshot is not { } snapshot)
        {
            yield break;
        }
        var reasons = context.Settings.StuckWaitingReasons.ToHashSet(StringComparer.Ordinal);
        var stuck = snapshot.Pods
            .SelectMany(p => p.Containers.Where(c => c.WaitingReason is { } r && reasons.Contains(r)).Select(c => (Pod: p, Container: c)))
            .GroupBy(s => (s.Pod.Namespace, s.Pod.Workload))
            .OrderBy(g => g.Key);
        var podsByWorkload = snapshot.Pods.ToLookup(p => (p.Namespace, p.Workload));
        foreach (var workload in stuck)
        {
            var (ns, key) = workload.Key;
            var allPods = podsByWorkload[(ns, key)].ToList();
            var first = workload.First();
            var podNames = workload.Select(s => s.Pod.Name).Distinct().ToList();
            var waiting = string.Join(", ", workload.Select(s => s.Container.WaitingReason!).Distinct().Order(StringComparer.Ordinal));
            var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["reason"] = waiting,
                ["pods"] = Evidence.Names(podNames),
                ["containers"] = Evidence.Names(workload.Select(s => s.Container.Name).Distinct()),
                ["ready"] = $"{allPods.Count(HealthMemory.IsRunningAndReady)}/{allPods.Count}",
                ["restarts"] = Evidence.Number(allPods.Sum(p => p.Restarts)),
            };
            if (first.Container.WaitingMessage is { } message)
            {
                evidence["message"] = Evidence.Truncate(message);
            }
            if (workload.Select(s => s.Container).Where(c => c.LastTerminatedAt is not null).MaxBy(c => c.LastTerminatedAt) is { } last)
            {
                evidence["lastTerminationReason"] = last.LastTerminationReason ?? "unknown";
                evidence["lastExitCode"] = last.LastExitCode is { } code ? Evidence.Number(code) : "unknown";
            }
            var severity = allPods.Any(HealthMemory.IsRunningAndReady) ? Severity.Warning : Severity.Critical;
            yield return new Finding(
                Name, severity, Subjects.Workload(ns, key),
                $"{key} in {ns}: {podNames.Count} pod(s) stuck in {waiting}",
                evidence)
            { RestartCount = allPods.Sum(p => p.Restarts) };
        }
    }
}
