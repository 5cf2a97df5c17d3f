using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Health.Rules;

/// <summary>
/// Pods restarting faster than <see cref="HealthSettings.PodRestartsPerHour"/> (reported once per workload) and
/// namespaces faster than <see cref="HealthSettings.NamespaceRestartsPerHour"/>, counted from the remembered restart
/// counts. A container seen for the first time with a high count and a recent termination counts too: a cluster that
/// crash-looped unwatched for days shows it only in its counters.
/// </summary>
public sealed class RestartStormRule : IHealthRule
{
    public string Name => HealthRuleNames.RestartStorm;

    public IEnumerable<Finding> Evaluate(HealthContext context)
    {
        if (context.Snapshot is not { } snapshot)
        {
            yield break;
        }
        var settings = context.Settings;
        var end = snapshot.TakenAt;
        var start = end - settings.RestartWindow;
        var hours = settings.RestartWindow.TotalHours;
        var podLimit = settings.PodRestartsPerHour * hours;

        var stormy = new List<(PodInfo Pod, double InWindow, bool FirstSight)>();
        var perNamespace = new Dictionary<string, double>(StringComparer.Ordinal);
        var current = new HashSet<(string, string, string)>();
        foreach (var pod in snapshot.Pods)
        {
            var podRestarts = 0.0;
            var firstSight = false;
            foreach (var container in pod.Containers)
            {
                current.Add((pod.Namespace, pod.Name, container.Name));
                var series = context.Memory.FindRestarts(pod.Namespace, pod.Name, container.Name);
                if (series is null)
                {
                    firstSight |= container.Restarts >= settings.FirstSightRestarts
                        && container.LastTerminatedAt is { } terminated && terminated > start;
                    continue;
                }
                podRestarts += series.Observe(container.Restarts, end).InWindow(start, end);
            }
            perNamespace[pod.Namespace] = perNamespace.GetValueOrDefault(pod.Namespace) + podRestarts;
            if (podRestarts > podLimit || firstSight)
            {
                stormy.Add((pod, podRestarts, firstSight && podRestarts <= podLimit));
            }
        }
        // Containers of pods deleted within the window still count for their namespace.
        foreach (var series in context.Memory.Restarts.Where(r => !current.Contains((r.Namespace, r.Pod, r.Container))))
        {
            perNamespace[series.Namespace] = perNamespace.GetValueOrDefault(series.Namespace) + series.InWindow(start, end);
        }

        // Grouped once: a storm in many workloads at once must not scan every pod for each of them.
        var podsByWorkload = stormy.Count == 0 ? null : snapshot.Pods.ToLookup(p => (p.Namespace, p.Workload));
        foreach (var workload in stormy.GroupBy(s => (s.Pod.Namespace, s.Pod.Workload)).OrderBy(g => g.Key))
        {
            var pods = workload.ToList();
            var inWindow = pods.Sum(p => p.InWindow);
            var allPods = podsByWorkload![workload.Key].ToList();
            var total = allPods.Sum(p => p.Restarts);
            var last = pods.SelectMany(p => p.Pod.Containers).Where(c => c.LastTerminatedAt is not null).MaxBy(c => c.LastTerminatedAt);
            var firstSightOnly = pods.All(p => p.FirstSight);
            var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["pods"] = Evidence.Names(pods.Select(p => p.Pod.Name)),
                ["restartsInWindow"] = firstSightOnly ? "unknown (first sight)" : Evidence.Number(inWindow),
                ["window"] = Evidence.Duration(settings.RestartWindow),
                ["totalRestarts"] = Evidence.Number(total),
                ["lastTerminationReason"] = last?.LastTerminationReason ?? "unknown",
                ["lastExitCode"] = last?.LastExitCode is { } code ? Evidence.Number(code) : "unknown",
                ["lastTerminatedAt"] = Evidence.Time(last?.LastTerminatedAt),
            };
            var rate = firstSightOnly
                ? $"{Evidence.Number(total)} restarts so far, the last at {Evidence.Time(last?.LastTerminatedAt)}"
                : $"{Evidence.Number(inWindow)} restarts in the last {Evidence.Duration(settings.RestartWindow)}";
            var severity = allPods.Any(HealthMemory.IsRunningAndReady) ? Severity.Warning : Severity.Critical;
            yield return new Finding(
                Name, severity, Subjects.Workload(workload.Key.Namespace, workload.Key.Workload),
                $"{workload.Key.Workload} in {workload.Key.Namespace} is in a restart storm: {rate} ({pods.Count} pod(s))",
                evidence)
            { RestartCount = total };
        }

        var namespaceLimit = settings.NamespaceRestartsPerHour * hours;
        var podsByNamespace = snapshot.Pods.ToLookup(p => p.Namespace, StringComparer.Ordinal);
        foreach (var (ns, inWindow) in perNamespace.Where(n => n.Value > namespaceLimit).OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            var pods = podsByNamespace[ns].ToList();
            var total = pods.Sum(p => p.Restarts);
            var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["restartsInWindow"] = Evidence.Number(inWindow),
                ["window"] = Evidence.Duration(settings.RestartWindow),
                ["totalRestarts"] = Evidence.Number(total),
                ["restartingWorkloads"] = Evidence.Names(pods.Where(p => p.Restarts > 0).Select(p => p.Workload).Distinct()),
            };
            yield return new Finding(
                Name, Severity.Critical, Subjects.Namespace(ns),
                $"namespace {ns} is in a restart storm: {Evidence.Number(inWindow)} restarts in the last {Evidence.Duration(settings.RestartWindow)}",
                evidence)
            { RestartCount = total };
        }
    }
}
