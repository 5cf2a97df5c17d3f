using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConvoCanvas.Cluster.Health;

/// <summary>
/// The JSON of <c>convocanvas cluster check --json</c>: <c>{"alerts":[{"rule","severity","subject","message","evidence"}]}</c>,
/// most severe first, so a script can read it without knowing the alert book.
/// </summary>
public static class HealthCheckJson
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web);

    public static string Format(IEnumerable<Finding> findings, bool indented = true) =>
        Write(findings.Select(f => new CheckAlert(f.Rule, f.Severity, f.Subject, f.Message, f.Evidence)), indented);

    public static string Format(IEnumerable<Alert> alerts, bool indented = true) =>
        Write(alerts.Select(a => new CheckAlert(a.Rule, a.Severity, a.Subject, a.Message, a.Evidence)), indented);

    private static string Write(IEnumerable<CheckAlert> alerts, bool indented)
    {
        var ordered = alerts
            .OrderByDescending(a => a.Severity)
            .ThenBy(a => a.Rule, StringComparer.Ordinal)
            .ThenBy(a => a.Subject, StringComparer.Ordinal)
            .ToList();
        return JsonSerializer.Serialize(new CheckReport(ordered), indented ? Indented : Compact);
    }

    private sealed record CheckReport([property: JsonPropertyName("alerts")] IReadOnlyList<CheckAlert> Alerts);

    private sealed record CheckAlert(string Rule, Severity Severity, string Subject, string Message, IReadOnlyDictionary<string, string> Evidence);
}
