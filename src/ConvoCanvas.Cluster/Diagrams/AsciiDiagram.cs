using System.Globalization;
using System.Text;
using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Diagrams;

public sealed record AsciiDiagramOptions
{
    /// <summary>Columns the diagram may use (at least 60).</summary>
    public int Width { get; init; } = 100;

    /// <summary>
    /// A workload with more pods than this shows its failing pods (all of them) and other troubled ones (up to this many)
    /// and one summary line for the rest, so a 500-pod cluster stays readable while a 23-pod one shows every pod.
    /// </summary>
    public int MaxPodsPerWorkload { get; init; } = 8;

    /// <summary>
    /// Past this many pods the diagram turns compact: a line per workload with its services on it, and under it only
    /// the pods that are not fine (failing ones always). A count of healthy pods says more than 500 lines of them.
    /// </summary>
    public int CompactAbovePods { get; init; } = 150;

    /// <summary>
    /// Whether the first line says when the snapshot was taken. Off for the committed copy, so the file only changes
    /// when the cluster does.
    /// </summary>
    public bool IncludeTime { get; init; } = true;
}

/// <summary>
/// The cluster as plain ASCII (it goes into terminals, logs, commit diffs and markdown code blocks): the nodes, then one
/// box per namespace holding each workload with ready/desired replicas, the services that select it, and its pods with
/// a status mark, node and restart count. The same snapshot always gives the same text.
/// </summary>
public static class AsciiDiagram
{
    public const string Legend = "[ok] running and ready   [..] starting, pending or not ready   [!!] failing   [--] completed";

    public static string Render(ClusterSnapshot snapshot, AsciiDiagramOptions? options = null)
    {
        options ??= new AsciiDiagramOptions();
        var width = Math.Max(60, options.Width);
        var topology = Topology.From(snapshot);
        var text = new StringBuilder();

        var version = snapshot.ServerVersion is { } v ? $" ({v})" : "";
        Line(text, Fit($"cluster {snapshot.Cluster}{version}: {Count(snapshot.Nodes.Count, "node")}, {Count(snapshot.Namespaces.Count, "namespace")}, "
            + $"{Count(snapshot.Pods.Count, "pod")}, {Count(snapshot.Pods.Sum(p => p.Restarts), "restart")}"
            + (options.IncludeTime ? $", at {snapshot.TakenAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC" : ""), width));
        Line(text, Fit(Legend, width));

        var inner = width - 4;
        var compact = snapshot.Pods.Count > options.CompactAbovePods;
        if (topology.Nodes.Count > 0)
        {
            var podsPerNode = snapshot.Pods.Where(p => p.Node is not null).GroupBy(p => p.Node!).ToDictionary(g => g.Key, g => g.Count());
            Line(text, "");
            Top(text, "nodes", Count(topology.Nodes.Count, "node"), width);
            var nameWidth = Math.Min(topology.Nodes.Max(n => n.Name.Length), inner / 3);
            var roleWidth = Math.Min(Math.Max(6, topology.Nodes.Max(n => RolesOf(n).Length)), 22);
            var stateWidth = topology.Nodes.Max(n => StateOf(n).Length);
            foreach (var node in topology.Nodes)
            {
                var mark = node.Ready && !node.Unschedulable ? "[ok]" : node.Ready ? "[..]" : "[!!]";
                var facts = string.Join("  ", new[]
                {
                    Pad(StateOf(node), stateWidth),
                    node.InternalIp ?? "no InternalIP",
                    Count(podsPerNode.GetValueOrDefault(node.Name), "pod"),
                    node.Ready ? null : node.NotReadyReason,
                    node.Cpu is { } cpu ? $"{cpu} CPU" : null,
                    node.MemoryBytes > 0 ? $"{node.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB" : null,
                    node.KubeletVersion,
                }.Where(s => s is not null));
                Row(text, $"{mark} {Pad(node.Name, nameWidth)}  {Pad(RolesOf(node), roleWidth)}  {facts}", inner);
            }
            Bottom(text, width);
        }

        foreach (var ns in topology.Namespaces)
        {
            Line(text, "");
            var summary = $"{Count(ns.PodCount, "pod")}, {Count(ns.Restarts, "restart")}";
            Top(text, ns.Namespace.Phase == "Active" ? ns.Namespace.Name : $"{ns.Namespace.Name} ({ns.Namespace.Phase})", summary, width);
            if (ns.Workloads.Count == 0 && ns.UnmatchedServices.Count == 0)
            {
                Row(text, "(empty)", inner);
            }
            var allPods = ns.Workloads.SelectMany(w => w.Pods).ToList();
            var podWidth = allPods.Count == 0 ? 0 : Math.Min(allPods.Max(p => p.Name.Length), inner / 2);
            var nodeWidth = allPods.Count == 0 ? 0 : Math.Min(Math.Max(1, allPods.Max(p => (p.Node ?? "-").Length)), inner / 5);
            foreach (var workload in ns.Workloads)
            {
                var w = workload.Workload;
                if (compact)
                {
                    var services = workload.Services.Count == 0 ? "" : "  svc " + string.Join(", ", workload.Services.Select(s => s.Name));
                    Row(text, $"{Conditions.Mark(workload.Condition)} {w.Key}  {w.Ready}/{w.Desired} ready{services}", inner);
                }
                else
                {
                    Row(text, $"{Conditions.Mark(workload.Condition)} {w.Key}  {w.Ready}/{w.Desired} ready", inner);
                    foreach (var service in workload.Services)
                    {
                        Row(text, $"       svc {ServiceText(service)}", inner);
                    }
                }
                foreach (var line in PodLines(workload, podWidth, nodeWidth, compact ? 0 : options.MaxPodsPerWorkload, compact))
                {
                    Row(text, line, inner);
                }
            }
            foreach (var service in ns.UnmatchedServices)
            {
                Row(text, $"     svc {ServiceText(service)}  (selects no pod)", inner);
            }
            Bottom(text, width);
        }
        if (snapshot.Problems.Count > 0)
        {
            Line(text, "");
            Line(text, Fit($"{Count(snapshot.Problems.Count, "problem")} reading the cluster (see the check's output)", width));
        }
        return text.ToString();
    }

    private static IEnumerable<string> PodLines(WorkloadView workload, int podWidth, int nodeWidth, int maxPods, bool compact)
    {
        var pods = workload.Pods;
        IEnumerable<PodInfo> shown = pods;
        List<PodInfo> hidden = [];
        if (pods.Count > maxPods || compact)
        {
            // The troubled pods are the ones worth a line; the healthy rest is a count.
            var ordered = pods.OrderBy(p => Conditions.Of(p) switch { Condition.Failing => 0, Condition.Starting => 1, _ => 2 })
                .ThenByDescending(p => p.Restarts).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
            // Failing pods are never hidden; pods starting or with restarts fill the rest of the allowance.
            var failing = ordered.TakeWhile(p => Conditions.Of(p) == Condition.Failing).ToList();
            var troubled = failing.Concat(ordered.Skip(failing.Count)
                .TakeWhile(p => Conditions.Of(p) == Condition.Starting || p.Restarts > 0).Take(Math.Max(compact ? 3 : 0, maxPods - failing.Count))).ToList();
            shown = troubled.OrderBy(p => p.Name, StringComparer.Ordinal);
            hidden = ordered.Except(troubled).ToList();
        }
        foreach (var pod in shown)
        {
            var notes = new List<string>();
            if (Conditions.Trouble(pod) is { } trouble)
            {
                notes.Add(trouble);
            }
            if (pod.Restarts > 0)
            {
                var last = pod.Containers.Where(c => c.LastTerminationReason is not null).OrderByDescending(c => c.LastTerminatedAt).FirstOrDefault();
                var why = last is null ? "" : $" (last {last.LastTerminationReason}{(last.LastExitCode is { } code ? $", exit {code}" : "")})";
                notes.Add($"{Count(pod.Restarts, "restart")}{why}");
            }
            yield return $"       {Conditions.Mark(Conditions.Of(pod))} {Pad(pod.Name, podWidth)}  {Pad(pod.Node ?? "-", nodeWidth)}  {string.Join(", ", notes)}".TrimEnd();
        }
        if (hidden.Count > 0 && !compact)
        {
            var counts = hidden.GroupBy(Conditions.Of).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Conditions.Mark(g.Key)}");
            yield return $"       ... and {Count(hidden.Count, "more pod")}: {string.Join(", ", counts)}";
        }
    }

    private static string ServiceText(ServiceInfo service)
    {
        var type = service.Type == "ClusterIP" ? "" : $" {service.Type}";
        var ip = service.ClusterIp is { Length: > 0 } and not "None" ? $" {service.ClusterIp}" : service.ClusterIp == "None" ? " headless" : "";
        return $"{service.Name}{type}{ip}{(service.Ports.Count > 0 ? " " + string.Join(" ", service.Ports) : "")}";
    }

    private static string StateOf(NodeInfo node) => node.Ready ? node.Unschedulable ? "Ready,cordoned" : "Ready" : "NotReady";

    private static string RolesOf(NodeInfo node) => node.Roles.Count == 0 ? "worker" : string.Join(",", node.Roles);

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n.ToString(CultureInfo.InvariantCulture)} {noun}s";

    private static void Top(StringBuilder text, string title, string summary, int width)
    {
        var left = $"+- {Fit(title, width - 12)} ";
        var right = $" {summary} -+";
        if (left.Length + right.Length + 1 > width)
        {
            right = "-+";
        }
        Line(text, left + new string('-', Math.Max(1, width - left.Length - right.Length)) + right);
    }

    private static void Bottom(StringBuilder text, int width) => Line(text, "+" + new string('-', width - 2) + "+");

    private static void Row(StringBuilder text, string content, int inner) => Line(text, $"| {Pad(Fit(content, inner), inner)} |");

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');

    private static string Pad(string s, int width) => s.Length >= width ? Fit(s, width) : s.PadRight(width);

    /// <summary>The text cut to <paramref name="width"/> columns, ending in "..." when cut.</summary>
    private static string Fit(string s, int width) => s.Length <= width ? s : width <= 3 ? s[..width] : s[..(width - 3)] + "...";
}
