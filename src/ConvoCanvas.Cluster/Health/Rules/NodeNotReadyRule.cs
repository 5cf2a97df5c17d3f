namespace ConvoCanvas.Cluster.Health.Rules;

/// <summary>Nodes whose Ready condition is not True, with the condition's reason.</summary>
public sealed class NodeNotReadyRule : IHealthRule
{
    public string Name => HealthRuleNames.NodeNotReady;

    public IEnumerable<Finding> Evaluate(HealthContext context)
    {
        foreach (var node in context.Snapshot?.Nodes.Where(n => !n.Ready) ?? [])
        {
            var reason = node.NotReadyReason ?? "no Ready condition reported";
            var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["reason"] = reason,
                ["internalIp"] = node.InternalIp ?? "unknown",
                ["roles"] = node.Roles.Count == 0 ? "none" : string.Join(", ", node.Roles),
            };
            yield return new Finding(Name, Severity.Critical, Subjects.Node(node.Name), $"node {node.Name} is NotReady: {reason}", evidence);
        }
    }
}
