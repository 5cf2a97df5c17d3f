namespace ConvoCanvas.Cluster.Health.Rules;

/// <summary>
/// No successful snapshot for longer than <see cref="HealthSettings.SilenceLimit"/>, judged by the clock alone: a
/// watcher that stopped seeing the cluster must say so, not stay quiet for days.
/// </summary>
public sealed class SilenceRule : IHealthRule
{
    public string Name => HealthRuleNames.Silence;

    public bool NeedsSnapshot => false;

    public IEnumerable<Finding> Evaluate(HealthContext context)
    {
        var watch = context.Watch;
        if ((watch.LastSuccessAt ?? watch.StartedAt) is not { } since)
        {
            yield break;
        }
        var silent = context.Now - since;
        if (silent <= context.Settings.SilenceLimit)
        {
            yield break;
        }
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["lastSuccessAt"] = Evidence.Time(watch.LastSuccessAt),
            ["silentFor"] = Evidence.Duration(silent),
            ["limit"] = Evidence.Duration(context.Settings.SilenceLimit),
        };
        if (watch.LastError is { } error)
        {
            evidence["lastError"] = Evidence.Truncate(error);
        }
        var what = watch.LastSuccessAt is null ? "since watching began" : $"since {Evidence.Time(watch.LastSuccessAt)}";
        yield return new Finding(
            Name, Severity.Critical, Subjects.Cluster,
            $"no successful cluster snapshot for {Evidence.Duration(silent)} ({what})",
            evidence);
    }
}
