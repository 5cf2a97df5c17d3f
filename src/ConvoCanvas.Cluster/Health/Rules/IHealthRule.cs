namespace ConvoCanvas.Cluster.Health.Rules;

/// <summary>One health check: small, stateless, reading only its <see cref="HealthContext"/>.</summary>
public interface IHealthRule
{
    string Name { get; }

    /// <summary>
    /// Whether the rule can say anything without a snapshot. When none could be taken, the alerts of rules that need
    /// one are neither confirmed nor resolved: not seeing a problem is not seeing it gone.
    /// </summary>
    bool NeedsSnapshot => true;

    IEnumerable<Finding> Evaluate(HealthContext context);
}
