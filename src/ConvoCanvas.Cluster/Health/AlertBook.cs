using System.Text.Json.Serialization;

namespace ConvoCanvas.Cluster.Health;

/// <summary>
/// A problem seen over time: the latest finding for one (rule, subject), when it opened, when it was last seen, and
/// when it resolved. <see cref="QuietSince"/> is when the finding was first missed since last seen (null while seen).
/// </summary>
public sealed record Alert
{
    public required string Rule { get; init; }

    public required Severity Severity { get; init; }

    public required string Subject { get; init; }

    public required string Message { get; init; }

    public IReadOnlyDictionary<string, string> Evidence { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public required DateTimeOffset OpenedAt { get; init; }

    public required DateTimeOffset LastSeenAt { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>Evaluations in which the finding was seen.</summary>
    public int Occurrences { get; init; } = 1;

    /// <summary>For restart-type alerts, the subject's restart count when last looked at.</summary>
    public int? RestartCount { get; init; }

    public DateTimeOffset? QuietSince { get; init; }

    [JsonIgnore]
    public (string Rule, string Subject) Key => (Rule, Subject);
}

/// <summary>The alert book as stored: open alerts and a bounded history of resolved ones, newest first.</summary>
public sealed record AlertBookState
{
    public static AlertBookState Empty { get; } = new();

    public IReadOnlyList<Alert> Open { get; init; } = [];

    public IReadOnlyList<Alert> Resolved { get; init; } = [];
}

[JsonConverter(typeof(JsonStringEnumConverter<AlertEvent>))]
public enum AlertEvent
{
    [JsonStringEnumMemberName("opened")]
    Opened,

    [JsonStringEnumMemberName("resolved")]
    Resolved,
}

/// <summary>An alert opening or resolving: what sinks are told, once per transition.</summary>
public sealed record AlertTransition(AlertEvent Event, Alert Alert);

public sealed record AlertChanges(IReadOnlyList<Alert> Opened, IReadOnlyList<Alert> Resolved)
{
    public static AlertChanges None { get; } = new([], []);

    public IReadOnlyList<AlertTransition> Transitions =>
        [.. Opened.Select(a => new AlertTransition(AlertEvent.Opened, a)), .. Resolved.Select(a => new AlertTransition(AlertEvent.Resolved, a))];
}

/// <summary>
/// Turns each evaluation's findings into alerts that open once and resolve once. A finding seen again refreshes its
/// alert; an alert resolves only after its finding has stayed away for the rule's hold time and, for restart-type
/// alerts, the restart count has stopped growing, so a crash-looping pod that is Running for a minute between
/// restarts keeps one alert open instead of opening and resolving one per restart.
/// </summary>
public sealed class AlertBook(HealthSettings? settings = null, AlertBookState? state = null)
{
    private readonly HealthSettings _settings = settings ?? new HealthSettings();

    public AlertBookState State { get; private set; } = state ?? AlertBookState.Empty;

    public IReadOnlyList<Alert> Open => State.Open;

    /// <summary>
    /// Applies one evaluation. <paramref name="unobservedRules"/> are rules that could not look this time (no snapshot):
    /// their alerts are neither refreshed nor counted as quiet. <paramref name="restartCounts"/> gives the current restart
    /// count per subject, so a restart-type alert whose count still grows does not resolve.
    /// </summary>
    public AlertChanges Update(
        IEnumerable<Finding> findings,
        DateTimeOffset now,
        IReadOnlySet<string>? unobservedRules = null,
        IReadOnlyDictionary<string, int>? restartCounts = null)
    {
        var seen = Merge(findings).ToDictionary(f => (f.Rule, f.Subject));
        var open = new List<Alert>();
        var opened = new List<Alert>();
        var resolved = new List<Alert>();
        foreach (var alert in State.Open)
        {
            if (seen.Remove(alert.Key, out var finding))
            {
                open.Add(alert with
                {
                    Severity = finding.Severity,
                    Message = finding.Message,
                    Evidence = finding.Evidence,
                    LastSeenAt = now,
                    Occurrences = alert.Occurrences + 1,
                    RestartCount = finding.RestartCount ?? alert.RestartCount,
                    QuietSince = null,
                });
                continue;
            }
            if (unobservedRules?.Contains(alert.Rule) == true)
            {
                // Not looked at is not gone: the quiet time starts over once the rule can look again.
                open.Add(alert with { QuietSince = null });
                continue;
            }
            var quiet = alert with { QuietSince = alert.QuietSince ?? now };
            if (alert.RestartCount is { } before && restartCounts?.TryGetValue(alert.Subject, out var count) == true && count > before)
            {
                quiet = quiet with { RestartCount = count, QuietSince = now };
            }
            if (now - quiet.QuietSince >= _settings.HoldFor(alert.Rule))
            {
                var done = quiet with { ResolvedAt = now };
                resolved.Add(done);
            }
            else
            {
                open.Add(quiet);
            }
        }
        foreach (var finding in seen.Values)
        {
            var alert = new Alert
            {
                Rule = finding.Rule,
                Severity = finding.Severity,
                Subject = finding.Subject,
                Message = finding.Message,
                Evidence = finding.Evidence,
                OpenedAt = now,
                LastSeenAt = now,
                RestartCount = finding.RestartCount,
            };
            open.Add(alert);
            opened.Add(alert);
        }
        State = new AlertBookState
        {
            Open = [.. open.OrderBy(a => a.Rule, StringComparer.Ordinal).ThenBy(a => a.Subject, StringComparer.Ordinal)],
            Resolved = [.. resolved.AsEnumerable().Reverse().Concat(State.Resolved).Take(Math.Max(0, _settings.ResolvedHistory))],
        };
        return resolved.Count == 0 && opened.Count == 0 ? AlertChanges.None : new AlertChanges(opened, resolved);
    }

    /// <summary>One finding per (rule, subject): the most severe, its evidence kept whole rather than mixed with another's.</summary>
    public static IReadOnlyList<Finding> Merge(IEnumerable<Finding> findings) =>
        [.. findings
            .GroupBy(f => (f.Rule, f.Subject))
            .Select(g => g.OrderByDescending(f => f.Severity).First() with { RestartCount = g.Max(f => f.RestartCount) })];
}
