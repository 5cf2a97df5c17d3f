using System.Runtime.CompilerServices;
using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Health;

/// <summary>
/// What health remembers between snapshots, as plain records so it can be stored as grain state: restart counts over
/// the restart window, the last InternalIP of each node and recent changes, and the learned pod baselines.
/// </summary>
public sealed record HealthMemory
{
    public static HealthMemory Empty { get; } = new();

    /// <summary>Nodes not seen for this long are forgotten, so a cluster that replaces nodes does not grow the state.</summary>
    public static readonly TimeSpan ForgetNodesAfter = TimeSpan.FromDays(7);

    /// <summary>When the last snapshot folded in was taken; an older or equal one is not folded in twice.</summary>
    public DateTimeOffset? LastSnapshotAt { get; init; }

    public IReadOnlyList<RestartSeries> Restarts { get; init; } = [];

    public IReadOnlyList<NodeAddress> NodeAddresses { get; init; } = [];

    public IReadOnlyList<NodeIpChange> IpChanges { get; init; } = [];

    public IReadOnlyList<PodBaseline> Baselines { get; init; } = [];

    /// <summary>
    /// The series of each remembered container, built once per <see cref="Restarts"/> list: the restart rule asks for
    /// every container of every pod, and a search of the list each time made thousands of pods quadratic. Kept beside
    /// the record, not in it, so it is neither stored, nor compared, nor carried stale by <c>with</c>.
    /// </summary>
    private static readonly ConditionalWeakTable<IReadOnlyList<RestartSeries>, Dictionary<(string, string, string), RestartSeries>> RestartIndex = new();

    public RestartSeries? FindRestarts(string ns, string pod, string container) =>
        RestartIndex.GetValue(Restarts, IndexRestarts).GetValueOrDefault((ns, pod, container));

    private static Dictionary<(string, string, string), RestartSeries> IndexRestarts(IReadOnlyList<RestartSeries> restarts)
    {
        var index = new Dictionary<(string, string, string), RestartSeries>(restarts.Count);
        foreach (var series in restarts)
        {
            // The first of two series for one container wins, as a search of the list would find it.
            index.TryAdd((series.Namespace, series.Pod, series.Container), series);
        }
        return index;
    }

    /// <summary>The memory with <paramref name="snapshot"/> folded in.</summary>
    public HealthMemory Observe(ClusterSnapshot snapshot, HealthSettings settings)
    {
        var at = snapshot.TakenAt;
        if (LastSnapshotAt is { } last && at <= last)
        {
            return this;
        }
        return this with
        {
            LastSnapshotAt = at,
            Restarts = ObserveRestarts(snapshot, settings),
            NodeAddresses = ObserveAddresses(snapshot, out var changes),
            IpChanges = [.. IpChanges.Concat(changes).Where(c => at - c.At <= settings.NodeIpChangeRemembered)],
            Baselines = ObserveBaselines(snapshot, settings),
        };
    }

    private List<RestartSeries> ObserveRestarts(ClusterSnapshot snapshot, HealthSettings settings)
    {
        var at = snapshot.TakenAt;
        var windowStart = at - settings.RestartWindow;
        var known = Restarts.ToDictionary(r => (r.Namespace, r.Pod, r.Container));
        var seen = new HashSet<(string, string, string)>();
        var result = new List<RestartSeries>();
        foreach (var pod in snapshot.Pods)
        {
            foreach (var container in pod.Containers)
            {
                var key = (pod.Namespace, pod.Name, container.Name);
                if (!seen.Add(key))
                {
                    continue;
                }
                var series = known.TryGetValue(key, out var old)
                    ? old.Observe(container.Restarts, at)
                    : RestartSeries.First(pod.Namespace, pod.Name, container.Name, container.Restarts, at);
                result.Add(series.Prune(windowStart));
            }
        }
        // A pod deleted within the window still counts towards its namespace's storm until the window passes it.
        result.AddRange(Restarts.Where(r => !seen.Contains((r.Namespace, r.Pod, r.Container)) && r.LastSeenAt >= windowStart).Select(r => r.Prune(windowStart)));
        return result;
    }

    private List<NodeAddress> ObserveAddresses(ClusterSnapshot snapshot, out List<NodeIpChange> changes)
    {
        var at = snapshot.TakenAt;
        changes = [];
        var known = NodeAddresses.ToDictionary(n => n.Node, StringComparer.Ordinal);
        foreach (var node in snapshot.Nodes)
        {
            if (node.InternalIp is not { } ip)
            {
                continue;
            }
            if (known.TryGetValue(node.Name, out var old) && old.Ip != ip)
            {
                changes.Add(new NodeIpChange(node.Name, old.Ip, ip, at));
            }
            known[node.Name] = new NodeAddress(node.Name, ip, at);
        }
        return [.. known.Values.Where(n => at - n.SeenAt <= ForgetNodesAfter).OrderBy(n => n.Node, StringComparer.Ordinal)];
    }

    private List<PodBaseline> ObserveBaselines(ClusterSnapshot snapshot, HealthSettings settings)
    {
        if (!settings.LearnBaselines)
        {
            return [];
        }
        var at = snapshot.TakenAt;
        var counts = ReadyPodCounts(snapshot);
        var known = Baselines.ToDictionary(b => b.Namespace, StringComparer.Ordinal);
        var result = new List<PodBaseline>();
        // A namespace deleted (or being deleted) took its pods with it on purpose: its baseline goes too, instead of
        // waiting a day to be lowered while it raises "pods missing". If it comes back, it is learned afresh.
        var live = LiveNamespaces(snapshot);
        foreach (var ns in counts.Keys.Where(live.Contains).Order(StringComparer.Ordinal))
        {
            var count = counts[ns];
            result.Add(known.TryGetValue(ns, out var old)
                ? old.Observe(count, at, settings)
                : new PodBaseline(ns, null, count, at).Observe(count, at, settings));
        }
        return result;
    }

    /// <summary>
    /// The namespaces the cluster has and keeps: those listed or holding pods, less those Terminating. A learned pod
    /// count says what to expect only of these.
    /// </summary>
    public static HashSet<string> LiveNamespaces(ClusterSnapshot snapshot)
    {
        var live = snapshot.Namespaces.Select(n => n.Name).Concat(snapshot.Pods.Select(p => p.Namespace)).ToHashSet(StringComparer.Ordinal);
        live.ExceptWith(snapshot.Namespaces.Where(n => n.Phase == "Terminating").Select(n => n.Name));
        return live;
    }

    /// <summary>Running and ready pods per namespace, counting namespaces with none as zero.</summary>
    public static Dictionary<string, int> ReadyPodCounts(ClusterSnapshot snapshot)
    {
        var counts = snapshot.Namespaces.ToDictionary(n => n.Name, _ => 0, StringComparer.Ordinal);
        foreach (var pod in snapshot.Pods)
        {
            counts[pod.Namespace] = counts.GetValueOrDefault(pod.Namespace) + (IsRunningAndReady(pod) ? 1 : 0);
        }
        return counts;
    }

    public static bool IsRunningAndReady(PodInfo pod) => pod is { Phase: "Running", Ready: true };
}

/// <summary>
/// One container's restart count over time, stored only when it changes: each point says the count became
/// <see cref="RestartPoint.Restarts"/> somewhere between <see cref="RestartPoint.Since"/> (when the previous count was
/// last seen) and <see cref="RestartPoint.At"/>.
/// </summary>
public sealed record RestartSeries(string Namespace, string Pod, string Container, DateTimeOffset LastSeenAt, IReadOnlyList<RestartPoint> Points)
{
    public int Latest => Points[^1].Restarts;

    public static RestartSeries First(string ns, string pod, string container, int restarts, DateTimeOffset at) =>
        new(ns, pod, container, at, [new RestartPoint(at, at, restarts)]);

    public RestartSeries Observe(int restarts, DateTimeOffset at) =>
        restarts == Latest
            ? this with { LastSeenAt = at }
            : this with { LastSeenAt = at, Points = [.. Points, new RestartPoint(LastSeenAt, at, restarts)] };

    /// <summary>Drops points before the window, keeping the last of them as the count the window starts from.</summary>
    public RestartSeries Prune(DateTimeOffset windowStart)
    {
        var firstKept = Points.Count - 1;
        while (firstKept > 0 && Points[firstKept].At > windowStart)
        {
            firstKept--;
        }
        return firstKept == 0 ? this : this with { Points = [.. Points.Skip(firstKept)] };
    }

    /// <summary>
    /// Restarts within (<paramref name="windowStart"/>, <paramref name="windowEnd"/>]. Restarts seen after a gap in
    /// watching (the API was down for days) are spread evenly over the gap, so days of restarts are not read as one hour's.
    /// A count that fell means the container was recreated under the same pod name: its whole new count is new restarts.
    /// </summary>
    public double InWindow(DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        var total = 0.0;
        for (var i = 1; i < Points.Count; i++)
        {
            var point = Points[i];
            var previous = Points[i - 1].Restarts;
            var delta = point.Restarts >= previous ? point.Restarts - previous : point.Restarts;
            total += Spread(delta, point.Since, point.At, windowStart, windowEnd);
        }
        return total;
    }

    private static double Spread(int delta, DateTimeOffset since, DateTimeOffset at, DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        if (delta == 0 || at <= windowStart || since >= windowEnd)
        {
            return 0;
        }
        if (since >= windowStart && at <= windowEnd)
        {
            return delta;
        }
        var overlap = (Min(at, windowEnd) - Max(since, windowStart)).TotalSeconds;
        return delta * overlap / (at - since).TotalSeconds;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

public sealed record RestartPoint(DateTimeOffset Since, DateTimeOffset At, int Restarts);

public sealed record NodeAddress(string Node, string Ip, DateTimeOffset SeenAt);

public sealed record NodeIpChange(string Node, string OldIp, string NewIp, DateTimeOffset At);

/// <summary>
/// A namespace's expected running-and-ready pod count: <see cref="Learned"/> once a count has held long enough
/// (null before), and the <see cref="Candidate"/> count with the time it has held since.
/// </summary>
public sealed record PodBaseline(string Namespace, int? Learned, int Candidate, DateTimeOffset CandidateSince)
{
    public PodBaseline Observe(int count, DateTimeOffset at, HealthSettings settings)
    {
        var baseline = count == Candidate ? this : this with { Candidate = count, CandidateSince = at };
        var held = at - baseline.CandidateSince;
        var learn = baseline.Learned switch
        {
            null => held >= settings.BaselineStableFor,
            { } learned when baseline.Candidate > learned => held >= settings.BaselineStableFor,
            { } learned when baseline.Candidate < learned => held >= settings.BaselineLowerAfter,
            _ => false,
        };
        return learn ? baseline with { Learned = baseline.Candidate } : baseline;
    }
}
