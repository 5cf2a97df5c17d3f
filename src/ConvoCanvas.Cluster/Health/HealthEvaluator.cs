using ConvoCanvas.Cluster.Health.Rules;
using ConvoCanvas.Cluster.Model;

namespace ConvoCanvas.Cluster.Health;

/// <summary>The evaluator as stored: what it remembers of snapshots and its alert book.</summary>
public sealed record HealthEvaluatorState
{
    public static HealthEvaluatorState Empty { get; } = new();

    public HealthMemory Memory { get; init; } = HealthMemory.Empty;

    public AlertBookState Book { get; init; } = AlertBookState.Empty;
}

/// <summary>One evaluation: the findings (one per rule and subject), the alerts that opened or resolved, and those open now.</summary>
public sealed record HealthEvaluation(IReadOnlyList<Finding> Findings, AlertChanges Changes, IReadOnlyList<Alert> Open);

/// <summary>
/// Runs the health rules over each snapshot (or over the clock alone when none came), keeps the memory they need,
/// and turns their findings into alert transitions. Not thread-safe: one caller (a grain) evaluates at a time.
/// </summary>
public sealed class HealthEvaluator
{
    private readonly IReadOnlyList<IHealthRule> _rules;
    private readonly AlertBook _book;
    private HealthMemory _memory;

    public HealthEvaluator(HealthSettings? settings = null, HealthEvaluatorState? state = null, IEnumerable<IHealthRule>? rules = null)
    {
        Settings = settings ?? new HealthSettings();
        _rules = [.. rules ?? DefaultRules()];
        _book = new AlertBook(Settings, state?.Book);
        _memory = state?.Memory ?? HealthMemory.Empty;
    }

    public HealthSettings Settings { get; }

    public HealthEvaluatorState State => new() { Memory = _memory, Book = _book.State };

    public IReadOnlyList<Alert> OpenAlerts => _book.Open;

    public static IReadOnlyList<IHealthRule> DefaultRules() =>
    [
        new RestartStormRule(),
        new StuckContainerRule(),
        new NodeNotReadyRule(),
        new NodeIpChangedRule(),
        new DnsRule(),
        new PodsMissingRule(),
        new ApiUnreachableRule(),
        new SilenceRule(),
    ];

    /// <summary>
    /// Evaluates at <paramref name="now"/>. A snapshot counts as a successful attempt at its time, whatever
    /// <paramref name="state"/> says, unless the watcher has failed since.
    /// </summary>
    public HealthEvaluation Evaluate(ClusterSnapshot? snapshot, WatchState state, DateTimeOffset now)
    {
        var watch = snapshot is null ? state : WithSnapshot(state, snapshot.TakenAt);
        var context = new HealthContext(snapshot, watch, _memory, Settings, now);
        var evaluated = snapshot is null ? _rules.Where(r => !r.NeedsSnapshot).ToList() : _rules;
        var findings = AlertBook.Merge(evaluated.SelectMany(r => r.Evaluate(context)));
        var unobserved = snapshot is null ? _rules.Where(r => r.NeedsSnapshot).Select(r => r.Name).ToHashSet(StringComparer.Ordinal) : null;
        var changes = _book.Update(findings, now, unobserved, snapshot is null ? null : RestartCounts(snapshot));
        if (snapshot is not null)
        {
            _memory = _memory.Observe(snapshot, Settings);
        }
        return new HealthEvaluation(findings, changes, _book.Open);
    }

    /// <summary>
    /// One look at one snapshot with no history (<c>convocanvas cluster check</c> on a live cluster or a dump): the
    /// clock is the snapshot's, so an old dump is not reported as silence.
    /// </summary>
    public static IReadOnlyList<Finding> Check(ClusterSnapshot snapshot, HealthSettings? settings = null) =>
        new HealthEvaluator(settings).Evaluate(snapshot, WatchState.Started(snapshot.TakenAt), snapshot.TakenAt).Findings;

    /// <summary>The total restart count of every workload and namespace subject, for the alert book's "still restarting" test.</summary>
    public static IReadOnlyDictionary<string, int> RestartCounts(ClusterSnapshot snapshot)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pod in snapshot.Pods)
        {
            var workload = Subjects.Workload(pod.Namespace, pod.Workload);
            var ns = Subjects.Namespace(pod.Namespace);
            counts[workload] = counts.GetValueOrDefault(workload) + pod.Restarts;
            counts[ns] = counts.GetValueOrDefault(ns) + pod.Restarts;
        }
        return counts;
    }

    private static WatchState WithSnapshot(WatchState state, DateTimeOffset takenAt)
    {
        var success = state.LastSuccessAt is { } last && last > takenAt ? last : takenAt;
        var failedSince = state is { ApiReachable: false, LastAttemptAt: { } attempt } && attempt > takenAt;
        return failedSince
            ? state with { LastSuccessAt = success }
            : state with { LastSuccessAt = success, LastAttemptAt = state.LastAttemptAt is { } a && a > takenAt ? a : takenAt, ApiReachable = true, LastError = null };
    }
}
