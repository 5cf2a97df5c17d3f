using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Health.Rules;

/// <summary>
/// In-cluster DNS is down: the CoreDNS pods (by label) or its workload have no ready pod, or the DNS lookup made with
/// the snapshot failed. One cluster-wide finding, since every pod that resolves a name suffers it.
/// </summary>
public sealed class DnsRule : IHealthRule
{
    public string Name => HealthRuleNames.Dns;

    public IEnumerable<Finding> Evaluate(HealthContext context)
    {
        if (context.Snapshot is not { } snapshot)
        {
            yield break;
        }
        var settings = context.Settings;
        var pods = snapshot.Pods
            .Where(p => p.Namespace == settings.DnsNamespace && p.Labels.TryGetValue(settings.DnsLabelKey, out var v) && v == settings.DnsLabelValue)
            .ToList();
        var workloads = snapshot.Workloads
            .Where(w => w.Namespace == settings.DnsNamespace && w.Selector.TryGetValue(settings.DnsLabelKey, out var v) && v == settings.DnsLabelValue)
            .ToList();
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();

        var ready = pods.Count(HealthMemory.IsRunningAndReady);
        if (pods.Count > 0 && ready == 0)
        {
            problems.Add($"no CoreDNS pod is ready (0 of {pods.Count})");
            evidence["coreDnsReady"] = $"0/{pods.Count}";
            evidence["coreDnsPods"] = string.Join(", ", pods.GroupBy(Describe).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}"));
        }
        else if (pods.Count == 0 && workloads.FirstOrDefault(w => w is { Desired: > 0, Ready: 0 }) is { } down)
        {
            problems.Add($"{down.Key} has no ready pod (0 of {down.Desired})");
            evidence["coreDnsReady"] = $"0/{down.Desired}";
        }
        if (snapshot.Dns is { Ok: false } probe)
        {
            problems.Add($"looking up {probe.Name} failed: {probe.Detail}");
            evidence["probe"] = $"{probe.Name}: {Evidence.Truncate(probe.Detail)}";
            evidence["probeAt"] = Evidence.Time(probe.At);
        }
        if (problems.Count > 0)
        {
            yield return new Finding(Name, Severity.Critical, Subjects.Cluster, $"cluster DNS is down: {string.Join("; ", problems)}", evidence);
        }
    }

    private static string Describe(PodInfo pod) =>
        pod.WaitingReason ?? (pod is { Phase: "Pending", Node: null } ? "Pending (unscheduled)" : pod.Phase);
}
