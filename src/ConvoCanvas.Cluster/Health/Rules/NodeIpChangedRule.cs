namespace ConvoCanvas.Cluster.Health.Rules;

/// <summary>
/// A node whose InternalIP differs from the one last seen: a DHCP lease change leaves K3s, its certificates and
/// in-cluster DNS pointing at the old address. Reported for <see cref="HealthSettings.NodeIpChangeRemembered"/> after
/// the change, because what it breaks shows up later; critical on a control-plane node.
/// </summary>
public sealed class NodeIpChangedRule : IHealthRule
{
    public string Name => HealthRuleNames.NodeIpChanged;

    public IEnumerable<Finding> Evaluate(HealthContext context)
    {
        if (context.Snapshot is not { } snapshot)
        {
            yield break;
        }
        var known = context.Memory.NodeAddresses.ToDictionary(n => n.Node, StringComparer.Ordinal);
        var changes = context.Memory.IpChanges
            .Where(c => context.Now - c.At <= context.Settings.NodeIpChangeRemembered)
            .GroupBy(c => c.Node, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(c => c.At)!, StringComparer.Ordinal);
        foreach (var node in snapshot.Nodes)
        {
            if (known.TryGetValue(node.Name, out var last) && node.InternalIp is { } ip && ip != last.Ip)
            {
                changes[node.Name] = new NodeIpChange(node.Name, last.Ip, ip, snapshot.TakenAt);
            }
        }
        foreach (var change in changes.Values.OrderBy(c => c.Node, StringComparer.Ordinal))
        {
            var roles = snapshot.Nodes.FirstOrDefault(n => n.Name == change.Node)?.Roles ?? [];
            var controlPlane = roles.Any(r => r is "control-plane" or "master");
            var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["oldIp"] = change.OldIp,
                ["newIp"] = change.NewIp,
                ["change"] = $"{change.OldIp} → {change.NewIp}",
                ["seenAt"] = Evidence.Time(change.At),
            };
            yield return new Finding(
                Name, controlPlane ? Severity.Critical : Severity.Warning, Subjects.Node(change.Node),
                $"node {change.Node}'s InternalIP changed from {change.OldIp} to {change.NewIp}; anything configured with the old address (the K3s server URL, DNS upstreams) no longer reaches it",
                evidence);
        }
    }
}
