using ConvoCanvas.Cluster.Diagrams;

namespace ConvoCanvas.Cluster.Model;

/// <summary>
/// What changed between two snapshots, in lines a person reads in a history or a log: nodes that came, went, changed
/// state or address; workloads that came, went or changed replicas; pods that appeared, disappeared, changed condition
/// or restarted; services that came or went. Bounded: a redeploy of 500 pods is summarised, not listed.
/// </summary>
public static class SnapshotDiff
{
    public const int MaxLines = 40;

    public static IReadOnlyList<string> Between(ClusterSnapshot? before, ClusterSnapshot after)
    {
        if (before is null)
        {
            return [$"first snapshot: {after.Nodes.Count} nodes, {after.Namespaces.Count} namespaces, {after.Workloads.Count} workloads, {after.Pods.Count} pods"];
        }
        var lines = new List<string>();

        var oldNodes = before.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        foreach (var node in after.Nodes)
        {
            if (!oldNodes.Remove(node.Name, out var old))
            {
                lines.Add($"node {node.Name} joined ({node.InternalIp ?? "no InternalIP"})");
                continue;
            }
            if (old.InternalIp != node.InternalIp)
            {
                lines.Add($"node {node.Name}: InternalIP {old.InternalIp ?? "none"} -> {node.InternalIp ?? "none"}");
            }
            if (old.Ready != node.Ready)
            {
                lines.Add($"node {node.Name}: {(node.Ready ? "Ready again" : $"NotReady ({node.NotReadyReason})")}");
            }
        }
        lines.AddRange(oldNodes.Keys.Order(StringComparer.Ordinal).Select(n => $"node {n} left"));

        var oldNamespaces = before.Namespaces.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var newNamespaces = after.Namespaces.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        lines.AddRange(newNamespaces.Except(oldNamespaces).Order(StringComparer.Ordinal).Select(n => $"namespace {n} created"));
        lines.AddRange(oldNamespaces.Except(newNamespaces).Order(StringComparer.Ordinal).Select(n => $"namespace {n} deleted"));

        var oldWorkloads = before.Workloads.ToDictionary(w => (w.Namespace, w.Key));
        foreach (var workload in after.Workloads)
        {
            if (!oldWorkloads.Remove((workload.Namespace, workload.Key), out var old))
            {
                lines.Add($"{workload.Namespace}/{workload.Key} created ({workload.Ready}/{workload.Desired} ready)");
            }
            else if (old.Ready != workload.Ready || old.Desired != workload.Desired)
            {
                lines.Add($"{workload.Namespace}/{workload.Key}: {old.Ready}/{old.Desired} -> {workload.Ready}/{workload.Desired} ready");
            }
        }
        lines.AddRange(oldWorkloads.Keys.OrderBy(k => k.Namespace, StringComparer.Ordinal).ThenBy(k => k.Key, StringComparer.Ordinal)
            .Select(k => $"{k.Namespace}/{k.Key} deleted"));

        var oldPods = before.Pods.ToDictionary(p => (p.Namespace, p.Name));
        int added = 0, removed;
        var podLines = new List<string>();
        foreach (var pod in after.Pods)
        {
            if (!oldPods.Remove((pod.Namespace, pod.Name), out var old))
            {
                added++;
                continue;
            }
            var (was, now) = (Conditions.Of(old), Conditions.Of(pod));
            if (pod.Restarts > old.Restarts)
            {
                var reason = pod.Containers.Where(c => c.LastTerminationReason is not null).OrderByDescending(c => c.LastTerminatedAt).FirstOrDefault()?.LastTerminationReason;
                podLines.Add($"pod {pod.Namespace}/{pod.Name} restarted {pod.Restarts - old.Restarts} time(s){(reason is null ? "" : $" ({reason})")}, {pod.Restarts} in all");
            }
            else if (was != now)
            {
                podLines.Add($"pod {pod.Namespace}/{pod.Name}: {was} -> {now}{(Conditions.Trouble(pod) is { } trouble ? $" ({trouble})" : "")}".ToLowerInvariant());
            }
        }
        removed = oldPods.Count;
        if (added > 0)
        {
            lines.Add($"{added} pod(s) started");
        }
        if (removed > 0)
        {
            lines.Add($"{removed} pod(s) gone");
        }
        lines.AddRange(podLines);

        var oldServices = before.Services.Select(s => (s.Namespace, s.Name)).ToHashSet();
        var newServices = after.Services.Select(s => (s.Namespace, s.Name)).ToHashSet();
        lines.AddRange(newServices.Except(oldServices).OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => $"service {s.Namespace}/{s.Name} created"));
        lines.AddRange(oldServices.Except(newServices).OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => $"service {s.Namespace}/{s.Name} deleted"));

        return lines.Count <= MaxLines ? lines : [.. lines.Take(MaxLines - 1), $"... and {lines.Count - MaxLines + 1} more changes"];
    }
}
