using System.Security.Cryptography;
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
                var id = Id("w", ns.Namespace.Name, w.Kind.ToLowerInvariant(), w.Name);
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

    /// <summary>
    /// A Mermaid node id (letters, digits and underscores), a different one for every different list of parts. Parts
    /// as Kubernetes names mostly are (letters and digits in runs joined by single '-') read through: '-' becomes '_' and
    /// parts are joined by "__", so such an id reads back one way only (a name never gives two '_' in a row). Any other
    /// part ('.', '_', "--", a '-' at either end, empty) is written with '_' for what is not a letter or digit, then
    /// "___" (which the plain form never has) and a hash of the exact parts, which tells apart names that read alike
    /// ("a.b" and "a-o-b").
    /// </summary>
    private static string Id(params string[] parts)
    {
        var id = new StringBuilder();
        var plain = true;
        foreach (var part in parts)
        {
            if (id.Length > 0)
            {
                id.Append("__");
            }
            plain &= IsPlain(part);
            foreach (var c in part)
            {
                id.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
            }
        }
        if (!plain)
        {
            var exact = string.Concat(parts.Select(p => $"{p.Length}:{p}"));
            id.Append("___").Append(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(exact)))[..12]);
        }
        return id.ToString();
    }

    /// <summary>Letters and digits in runs joined by single '-': what reads back from the id without a hash.</summary>
    private static bool IsPlain(string part)
    {
        if (part.Length == 0 || part[0] == '-' || part[^1] == '-')
        {
            return false;
        }
        for (var i = 0; i < part.Length; i++)
        {
            var c = part[i];
            if (!char.IsAsciiLetterOrDigit(c) && (c != '-' || part[i - 1] == '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Label text with the characters Mermaid gives meaning to written as entities.</summary>
    private static string Label(string s) => s
        .Replace("&", "#amp;", StringComparison.Ordinal)
        .Replace("\"", "#quot;", StringComparison.Ordinal)
        .Replace("<", "#lt;", StringComparison.Ordinal)
        .Replace(">", "#gt;", StringComparison.Ordinal);
}
