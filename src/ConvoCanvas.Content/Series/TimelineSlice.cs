namespace ConvoCanvas.Content.Series;

/// <summary>One stretch of a series' range, searched on its own for at most <see cref="Limit"/> sources.</summary>
public sealed record TimelineSlice(DateTimeOffset? From, DateTimeOffset? To, int Limit)
{
    /// <summary>
    /// The timeline's stretches: the range (the one asked for, else the span of <paramref name="seen"/>, the
    /// dates of the best matches) cut into equal stretches, two per episode, each with its share of
    /// <paramref name="sources"/> (5 at least), so a busy month cannot crowd a quiet one out of the series.
    /// An open end stays open, so nothing before or after the span is left out. With no span to cut, one
    /// stretch over the whole range.
    /// </summary>
    public static IReadOnlyList<TimelineSlice> Cut(DateTimeOffset? from, DateTimeOffset? to, IReadOnlyCollection<DateTimeOffset> seen, int episodes, int sources)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sources, 1);
        var start = from ?? (seen.Count > 0 ? seen.Min() : null);
        var end = to ?? (seen.Count > 0 ? seen.Max() : null);
        if (start is not { } first || end is not { } last || last <= first)
        {
            return [new TimelineSlice(from, to, sources)];
        }
        var count = Math.Clamp(episodes * 2, 2, 2 * SeriesPlanner.MaxEpisodes);
        var limit = Math.Max(5, sources / count);
        var step = (last - first) / count;
        return [.. Enumerable.Range(0, count).Select(i => new TimelineSlice(
            i == 0 ? from : first + step * i,
            i == count - 1 ? to : first + step * (i + 1) - TimeSpan.FromTicks(1),
            limit))];
    }
}
