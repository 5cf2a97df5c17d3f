using System.Text;
using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Diagrams;

/// <summary>
/// The same graph as <see cref="AsciiDiagram"/> as a Mermaid flowchart, for markdown viewers and the web page: a
/// subgraph per namespace with its workloads (ready/desired, restarts, what is wrong) and the services pointing at
/// them, and a subgraph of nodes. Pods are summarised in their workload's box; colours say ok, starting or failing.
/// </summary>
public static class MermaidDiagram
{
    public static string Render(ClusterSnapshot snapshot)
    {
        var topology = Topology.From(snapshot);
        var text = new StringBuilder();
        // Namespaces stacked top to bottom, each one's workloads side by side: readable on a wide page and in markdown.
        text.Append("flowchart TB\n");
        var classes = new Dictionary<Condition, List<string>>();
        void Classify(string id, Condition condition)
        {
            if (!classes.TryGetValue(condition, out var ids))
            {
                classes[condition] = ids = [];
            }
            ids.Add(id);
        }

        if (topology.Nodes.Count > 0)
        {
            text.Append("  subgraph nodes[\"nodes\"]\n    direction LR\n");
            foreach (var node in topology.Nodes)
            {
                var id = Id("node", node.Name);
                var state = node.Ready ? node.Unschedulable ? "Ready, cordoned" : "Ready" : "NotReady";
                text.Append($"    {id}[\"{Label(node.Name)}<br/>{Label(state)} {Label(node.InternalIp ?? "no InternalIP")}\"]\n");
                Classify(id, node.Ready ? Condition.Ok : Condition.Failing);
            }
            text.Append("  end\n");
        }

        foreach (var ns in topology.Namespaces)
        {
            text.Append($"  subgraph {Id("ns", ns.Namespace.Name)}[\"{Label(ns.Namespace.Name)}\"]\n    direction LR\n");
            var edges = new List<string>();
            foreach (var workload in ns.Workloads)
            {
                var w = workload.Workload;
                var id = Id("w", ns.Namespace.Name, w.Key);
                var details = new List<string> { $"{w.Ready}/{w.Desired} ready" };
                var restarts = workload.Pods.Sum(p => p.Restarts);
                if (restarts > 0)
                {
                    details.Add(restarts == 1 ? "1 restart" : $"{restarts} restarts");
                }
                if (workload.Pods.Select(Conditions.Trouble).FirstOrDefault(t => t is not null) is { } trouble)
                {
                    details.Add(trouble);
                }
                text.Append($"    {id}[\"{Label(w.Key)}<br/>{Label(string.Join(", ", details))}\"]\n");
                Classify(id, workload.Condition);
                foreach (var service in workload.Services)
                {
                    edges.Add($"    {Id("svc", ns.Namespace.Name, service.Name)} --> {id}");
                }
            }
            foreach (var service in ns.Workloads.SelectMany(w => w.Services).Concat(ns.UnmatchedServices).Distinct().OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                var ports = service.Ports.Count > 0 ? "<br/>" + Label(string.Join(" ", service.Ports)) : "";
                text.Append($"    {Id("svc", ns.Namespace.Name, service.Name)}([\"svc {Label(service.Name)}{ports}\"])\n");
            }
            foreach (var edge in edges)
            {
                text.Append(edge).Append('\n');
            }
            text.Append("  end\n");
        }

        text.Append("  classDef ok fill:#e3f6e5,stroke:#2e7d32\n");
        text.Append("  classDef starting fill:#fff4d6,stroke:#b7791f\n");
        text.Append("  classDef failing fill:#fde2e2,stroke:#c0392b\n");
        text.Append("  classDef completed fill:#eeeeee,stroke:#777777\n");
        foreach (var (condition, ids) in classes.OrderBy(kv => kv.Key))
        {
            text.Append($"  class {string.Join(",", ids)} {condition.ToString().ToLowerInvariant()}\n");
        }
        return text.ToString();
    }

    /// <summary>A Mermaid node id: letters, digits and underscores only, unique per (kind, namespace, name).</summary>
    private static string Id(params string[] parts)
    {
        var id = new StringBuilder();
        foreach (var part in parts)
        {
            if (id.Length > 0)
            {
                id.Append("__");
            }
            foreach (var c in part)
            {
                // Kubernetes names use [a-z0-9.-]; '-' and '.' become distinct escapes so names cannot collide.
                id.Append(c switch
                {
                    >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' => c.ToString(),
                    '-' => "_",
                    '.' => "_o_",
                    '/' => "_s_",
                    _ => $"_{(int)c:x}_",
                });
            }
        }
        return id.ToString();
    }

    /// <summary>Label text with the characters Mermaid gives meaning to written as entities.</summary>
    private static string Label(string s) => s
        .Replace("&", "#amp;", StringComparison.Ordinal)
        .Replace("\"", "#quot;", StringComparison.Ordinal)
        .Replace("<", "#lt;", StringComparison.Ordinal)
        .Replace(">", "#gt;", StringComparison.Ordinal);
}
