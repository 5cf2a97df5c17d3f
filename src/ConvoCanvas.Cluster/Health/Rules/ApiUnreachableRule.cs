namespace ConvoCanvas.Cluster.Health.Rules;

/// <summary>The watcher's last attempt did not reach the Kubernetes API.</summary>
public sealed class ApiUnreachableRule : IHealthRule
{
    public string Name => HealthRuleNames.ApiUnreachable;

    public bool NeedsSnapshot => false;

    public IEnumerable<Finding> Evaluate(HealthContext context)
    {
        var watch = context.Watch;
        if (watch.ApiReachable)
        {
            yield break;
        }
        var error = watch.LastError ?? "no error recorded";
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["lastError"] = Evidence.Truncate(error),
            ["lastAttemptAt"] = Evidence.Time(watch.LastAttemptAt),
            ["lastSuccessAt"] = Evidence.Time(watch.LastSuccessAt),
        };
        yield return new Finding(
            Name, Severity.Critical, Subjects.Cluster,
            $"the Kubernetes API did not answer at {Evidence.Time(watch.LastAttemptAt)}: {Evidence.Truncate(error)}",
            evidence);
    }
}
