using System.Text.Json;
using ConvoCanvas.Cluster.Model;
using k8s;
using k8s.Models;

namespace ConvoCanvas.Cluster.Offline;

/// <summary>
/// Reads a folder of saved <c>kubectl get … -o json</c> outputs (List objects such as PodList or <c>kind: List</c>, or
/// single objects, in any sub-folder) into <see cref="ClusterResources"/>, so a diagram or a health check can be made
/// from a dump. A file that cannot be read is reported by name and the rest is used; kinds ConvoCanvas does not draw
/// are skipped and listed in <see cref="ClusterResources.Skipped"/>.
/// </summary>
public static class DumpFolder
{
    /// <summary>Larger files are refused (a cluster of thousands of pods dumps to tens of MB, not more).</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Kubernetes objects nest a dozen levels; anything much deeper is not one.</summary>
    public const int MaxDepth = 64;

    public static ClusterResources Read(string folder)
    {
        var root = new DirectoryInfo(folder);
        if (!root.Exists)
        {
            throw new DirectoryNotFoundException($"cluster dump folder '{folder}' does not exist");
        }
        var collector = new Collector();
        var files = root.EnumerateFiles("*.json", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true })
            .OrderBy(f => f.FullName, StringComparer.Ordinal);
        foreach (var file in files)
        {
            var name = Path.GetRelativePath(root.FullName, file.FullName);
            if (file.Length > MaxFileBytes)
            {
                collector.Problem($"{name}: {file.Length / 1_000_000} MB is over the {MaxFileBytes / 1_000_000} MB a dump file may be; skipped");
                continue;
            }
            try
            {
                using var stream = file.OpenRead();
                using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowTrailingCommas = true });
                collector.Add(name, document.RootElement);
            }
            catch (JsonException e)
            {
                collector.Problem($"{name}: not valid JSON ({FirstLine(e.Message)}); skipped");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                collector.Problem($"{name}: cannot be read ({e.Message}); skipped");
            }
        }
        return collector.Result();
    }

    /// <summary>One JSON document (a List or a single object) read into resources; <paramref name="source"/> names it in problems.</summary>
    public static ClusterResources Parse(string source, string json)
    {
        var collector = new Collector();
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowTrailingCommas = true });
            collector.Add(source, document.RootElement);
        }
        catch (JsonException e)
        {
            collector.Problem($"{source}: not valid JSON ({FirstLine(e.Message)}); skipped");
        }
        return collector.Result();
    }

    /// <summary>
    /// When a dump was taken, as far as it tells: the newest time in it (container starts and terminations, pod starts,
    /// events). Rules that look at "the last hour" then look at the dump's last hour, not at today's.
    /// </summary>
    public static DateTimeOffset? NewestTime(ClusterResources resources)
    {
        DateTime? newest = null;
        void Consider(DateTime? at)
        {
            if (at is { } t && (newest is null || t > newest))
            {
                newest = t;
            }
        }
        foreach (var pod in resources.Pods)
        {
            Consider(pod.Status?.StartTime);
            foreach (var c in (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? []))
            {
                Consider(c.State?.Running?.StartedAt);
                Consider(c.State?.Terminated?.FinishedAt);
                Consider(c.LastState?.Terminated?.FinishedAt);
            }
            foreach (var condition in pod.Status?.Conditions ?? [])
            {
                Consider(condition.LastTransitionTime);
            }
        }
        foreach (var e in resources.Events)
        {
            Consider(e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp);
        }
        foreach (var node in resources.Nodes)
        {
            foreach (var condition in node.Status?.Conditions ?? [])
            {
                Consider(condition.LastHeartbeatTime);
            }
        }
        return newest is { } n ? new DateTimeOffset(DateTime.SpecifyKind(n, DateTimeKind.Utc)) : null;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    private sealed class Collector
    {
        private readonly List<V1Namespace> _namespaces = [];
        private readonly List<V1Node> _nodes = [];
        private readonly List<V1Pod> _pods = [];
        private readonly List<V1Deployment> _deployments = [];
        private readonly List<V1StatefulSet> _statefulSets = [];
        private readonly List<V1DaemonSet> _daemonSets = [];
        private readonly List<V1ReplicaSet> _replicaSets = [];
        private readonly List<V1Service> _services = [];
        private readonly List<Corev1Event> _events = [];
        private readonly List<string> _problems = [];
        private readonly List<string> _skipped = [];
        private string? _serverVersion;

        public void Problem(string message) => _problems.Add(message);

        public void Add(string file, JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Problem($"{file}: a {root.ValueKind} where a Kubernetes object or list was expected; skipped");
                return;
            }
            if (!root.TryGetProperty("kind", out var kindElement) || kindElement.ValueKind != JsonValueKind.String)
            {
                if (root.TryGetProperty("gitVersion", out var version) && version.ValueKind == JsonValueKind.String)
                {
                    _serverVersion = version.GetString();
                    return;
                }
                Problem($"{file}: no \"kind\"; not a Kubernetes object; skipped");
                return;
            }
            var kind = kindElement.GetString()!;
            if (kind == "List" || kind.EndsWith("List", StringComparison.Ordinal))
            {
                if (!root.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
                {
                    Problem($"{file}: a {kind} without an \"items\" array; skipped");
                    return;
                }
                var itemKind = kind == "List" ? null : kind[..^"List".Length];
                var skipped = new SortedDictionary<string, int>(StringComparer.Ordinal);
                var index = 0;
                foreach (var item in items.EnumerateArray())
                {
                    var k = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("kind", out var ik) && ik.ValueKind == JsonValueKind.String ? ik.GetString()! : itemKind;
                    if (k is null)
                    {
                        Problem($"{file}: item {index} has no \"kind\"; skipped");
                    }
                    else if (!AddObject($"{file} item {index}", k, item))
                    {
                        skipped[k] = skipped.GetValueOrDefault(k) + 1;
                    }
                    index++;
                }
                foreach (var (k, n) in skipped)
                {
                    _skipped.Add($"{file}: {n} {k} object(s), not used by ConvoCanvas");
                }
                return;
            }
            if (!AddObject(file, kind, root))
            {
                _skipped.Add($"{file}: a {kind}, not used by ConvoCanvas");
            }
        }

        /// <summary>False when the kind is not one ConvoCanvas reads.</summary>
        private bool AddObject(string where, string kind, JsonElement element)
        {
            try
            {
                switch (kind)
                {
                    case "Namespace": _namespaces.Add(Read<V1Namespace>(element)); return true;
                    case "Node": _nodes.Add(Read<V1Node>(element)); return true;
                    case "Pod": _pods.Add(Read<V1Pod>(element)); return true;
                    case "Deployment": _deployments.Add(Read<V1Deployment>(element)); return true;
                    case "StatefulSet": _statefulSets.Add(Read<V1StatefulSet>(element)); return true;
                    case "DaemonSet": _daemonSets.Add(Read<V1DaemonSet>(element)); return true;
                    case "ReplicaSet": _replicaSets.Add(Read<V1ReplicaSet>(element)); return true;
                    case "Service": _services.Add(Read<V1Service>(element)); return true;
                    case "Event": _events.Add(Read<Corev1Event>(element)); return true;
                    default: return false;
                }
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
            {
                Problem($"{where}: a {kind} that does not read as one ({FirstLine(e.Message)}); skipped");
                return true;
            }
        }

        private static T Read<T>(JsonElement element) => KubernetesJson.Deserialize<T>(element.GetRawText())
            ?? throw new JsonException("null");

        public ClusterResources Result() => new()
        {
            Namespaces = _namespaces,
            Nodes = _nodes,
            Pods = _pods,
            Deployments = _deployments,
            StatefulSets = _statefulSets,
            DaemonSets = _daemonSets,
            ReplicaSets = _replicaSets,
            Services = _services,
            Events = _events,
            ServerVersion = _serverVersion,
            Problems = _problems,
            Skipped = _skipped,
        };
    }
}
