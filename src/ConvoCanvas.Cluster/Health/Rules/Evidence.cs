using System.Globalization;

namespace ConvoCanvas.Cluster.Health.Rules;

/// <summary>Evidence values written the same way by every rule.</summary>
internal static class Evidence
{
    /// <summary>Pod lists are cut here: an alert names a few pods, not a thousand.</summary>
    public const int MaxNames = 10;

    public static string Names(IEnumerable<string> names)
    {
        var all = names.Order(StringComparer.Ordinal).ToList();
        return all.Count <= MaxNames
            ? string.Join(", ", all)
            : $"{string.Join(", ", all.Take(MaxNames))} (+{all.Count - MaxNames} more)";
    }

    public static string Time(DateTimeOffset? at) => at?.ToString("O", CultureInfo.InvariantCulture) ?? "never";

    public static string Number(double value) => Math.Round(value).ToString(CultureInfo.InvariantCulture);

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } => $"{(int)span.TotalDays}d {span.Hours}h",
        { TotalHours: >= 1 } => $"{(int)span.TotalHours}h {span.Minutes}m",
        { TotalMinutes: >= 1 } => $"{(int)span.TotalMinutes}m {span.Seconds}s",
        _ => $"{Math.Max(0, (int)span.TotalSeconds)}s",
    };

    public static string Truncate(string text, int max = 300) => text.Length <= max ? text : text[..max] + "…";
}
