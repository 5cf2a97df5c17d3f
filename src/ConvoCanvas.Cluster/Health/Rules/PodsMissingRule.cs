namespace ConvoCanvas.Cluster.Health.Rules;

/// <summary>
/// Fewer running and ready pods than expected, per namespace (configured, else learned) and for the whole cluster
/// (configured only): the "23 pods expected" check that would have caught a cluster dying quietly.
/// </summary>
public sealed class PodsMissingRule : IHealthRule
{
    public string Name => HealthRuleNames.PodsMissing;

    public IEnumerable<Finding> Evaluate(HealthContext context)
    {
        if (context.Snapshot is not { } snapshot)
        {
            yield break;
        }
        var settings = context.Settings;
        var counts = HealthMemory.ReadyPodCounts(snapshot);
        // A learned count is of a namespace that existed: one deleted since (or being deleted) is not missing its pods.
        // A configured count is kept: the configuration says the namespace should be there.
        var live = HealthMemory.LiveNamespaces(snapshot);
        var learned = context.Memory.Baselines.Where(b => b.Learned is not null && live.Contains(b.Namespace)).ToDictionary(b => b.Namespace, b => b, StringComparer.Ordinal);
        var namespaces = counts.Keys.Union(settings.ExpectedPods.Keys).Union(learned.Keys).Order(StringComparer.Ordinal);
        foreach (var ns in namespaces)
        {
            var (expected, source) = settings.ExpectedPods.TryGetValue(ns, out var configured)
                ? (configured, "configured")
                : learned.TryGetValue(ns, out var baseline) ? (baseline.Learned!.Value, "learned") : (0, "");
            var ready = counts.GetValueOrDefault(ns);
            if (ready >= expected)
            {
                continue;
            }
            var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["expected"] = Evidence.Number(expected),
                ["ready"] = Evidence.Number(ready),
                ["baseline"] = source,
                ["notReadyWorkloads"] = Evidence.Names(snapshot.Pods.Where(p => p.Namespace == ns && !HealthMemory.IsRunningAndReady(p) && p.Phase != "Succeeded").Select(p => p.Workload).Distinct()),
            };
            yield return new Finding(
                Name, ready == 0 ? Severity.Critical : Severity.Warning, Subjects.Namespace(ns),
                $"namespace {ns} has {ready} running and ready pod(s), {expected} expected ({source})",
                evidence);
        }
        if (settings.ExpectedPodsTotal is { } total && counts.Values.Sum() is var all && all < total)
        {
            var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["expected"] = Evidence.Number(total),
                ["ready"] = Evidence.Number(all),
                ["baseline"] = "configured",
                ["pods"] = Evidence.Number(snapshot.Pods.Count),
            };
            yield return new Finding(
                Name, all == 0 ? Severity.Critical : Severity.Warning, Subjects.Cluster,
                $"the cluster has {all} running and ready pod(s), {total} expected",
                evidence);
        }
    }
}
