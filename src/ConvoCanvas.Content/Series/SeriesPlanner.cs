using System.Globalization;
using System.Text.RegularExpressions;
using ConvoCanvas.Content.Ask;
using ConvoCanvas.Content.Text;

namespace ConvoCanvas.Content.Series;

/// <summary>
/// Groups the sources found for a topic into episodes: chronology first (an episode is a stretch of time,
/// the episodes follow each other), then topic similarity (where the stretches end is chosen so that the
/// sources of each are close in meaning, with a pull towards long silences between them). Each episode
/// gets a title (its most central source's), a date range, key moments and at least three sources.
/// Deterministic: ties are broken by source id.
/// </summary>
public static partial class SeriesPlanner
{
    public const int MinSourcesPerEpisode = 3;
    public const int MaxEpisodes = 24;

    /// <summary>How much a long silence between two sources pulls an episode boundary towards it, against similarity.</summary>
    public const double GapWeight = 0.6;

    /// <param name="vectors">A unit-length embedding per source, in the order of <paramref name="sources"/>.</param>
    public static SeriesPlan Plan(string topic, IReadOnlyList<SeriesSource> sources, IReadOnlyList<float[]> vectors, int episodes,
        DateTimeOffset? from = null, DateTimeOffset? to = null, DateTimeOffset? plannedAt = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        if (sources.Count != vectors.Count)
        {
            throw new ArgumentException($"{sources.Count} sources but {vectors.Count} vectors");
        }
        if (episodes < 1 || episodes > MaxEpisodes)
        {
            throw new ArgumentOutOfRangeException(nameof(episodes), $"a series has 1 to {MaxEpisodes} episodes, not {episodes}");
        }
        var notes = new List<string>();
        var items = sources.Select((s, i) => (Source: s, Vector: vectors[i]))
            .Where(x => (from is null || x.Source.At >= from) && (to is null || x.Source.At <= to))
            .GroupBy(x => x.Source.Id, StringComparer.Ordinal).Select(g => g.First())
            .OrderBy(x => x.Source.At).ThenBy(x => x.Source.Id, StringComparer.Ordinal)
            .ToList();
        var outside = sources.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count() - items.Count;
        if (outside > 0)
        {
            notes.Add($"{outside} source(s) outside {Range(from, to)} left out");
        }
        var possible = items.Count / MinSourcesPerEpisode;
        if (possible == 0)
        {
            throw new SeriesPlanningException($"found {items.Count} source(s) about '{topic}' {Range(from, to)}; an episode needs at least {MinSourcesPerEpisode}: widen the dates, or import the notes and chats that cover it");
        }
        if (possible < episodes)
        {
            notes.Add($"{episodes} episodes asked, {possible} planned: {items.Count} sources make at most {possible} episodes of {MinSourcesPerEpisode}");
            episodes = possible;
        }

        var cuts = Segment(items.Select(x => x.Vector).ToList(), items.Select(x => x.Source.At).ToList(), episodes);
        var plans = new List<EpisodePlan>();
        var usedTitles = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var e = 0; e < episodes; e++)
        {
            var segment = items.GetRange(cuts[e], cuts[e + 1] - cuts[e]);
            var centroid = Centroid(segment.Select(x => x.Vector));
            var central = segment
                .Select(x => (x.Source, Similarity: Dot(x.Vector, centroid)))
                .OrderByDescending(x => x.Similarity).ThenBy(x => x.Source.Id, StringComparer.Ordinal)
                .ToList();
            var title = central.Select(x => CleanTitle(x.Source.Title)).FirstOrDefault(t => t.Length > 0 && usedTitles.Add(t))
                ?? $"{CleanTitle(central[0].Source.Title)} ({e + 1})";
            var moments = central.Take(4).Select(x => x.Source).OrderBy(s => s.At).ThenBy(s => s.Id, StringComparer.Ordinal)
                .Select(s => new KeyMoment(s.At, FirstSentence(s.Text), s.Id)).ToList();
            plans.Add(new EpisodePlan
            {
                Number = e + 1,
                Title = title,
                From = segment[0].Source.At,
                To = segment[^1].Source.At,
                Moments = moments,
                Sources = segment.Select(x => x.Source).ToList(),
            });
        }
        return new SeriesPlan
        {
            Slug = TextLength.Slug(topic),
            Topic = topic.Trim(),
            From = from,
            To = to,
            Episodes = plans,
            Notes = notes,
            PlannedAt = plannedAt ?? DateTimeOffset.UtcNow,
        };
    }

    /// <summary>
    /// Where episodes start: <paramref name="count"/> contiguous runs of at least three, chosen by dynamic
    /// programming to minimise each run's spread in meaning (size − |sum of its unit vectors|, which is the
    /// sum of one minus each vector's cosine to the run's centroid) less a bonus for ending a run at a long
    /// silence (relative to the typical gap). Returns count + 1 indexes, the last being the item count.
    /// </summary>
    internal static int[] Segment(IReadOnlyList<float[]> vectors, IReadOnlyList<DateTimeOffset> times, int count)
    {
        var n = vectors.Count;
        var dimensions = n == 0 ? 0 : vectors[0].Length;
        var prefix = new double[n + 1][];
        prefix[0] = new double[dimensions];
        for (var i = 0; i < n; i++)
        {
            prefix[i + 1] = new double[dimensions];
            for (var d = 0; d < dimensions; d++)
            {
                prefix[i + 1][d] = prefix[i][d] + vectors[i][d];
            }
        }
        double Spread(int start, int end)
        {
            var sum = 0.0;
            for (var d = 0; d < dimensions; d++)
            {
                var v = prefix[end][d] - prefix[start][d];
                sum += v * v;
            }
            return end - start - Math.Sqrt(sum);
        }
        var gaps = Enumerable.Range(1, Math.Max(0, n - 1)).Select(i => (times[i] - times[i - 1]).TotalHours).ToList();
        var typical = gaps.Where(g => g > 0).Order().ToList() is { Count: > 0 } positive ? positive[positive.Count / 2] : 1.0;
        // Bonus for a boundary before item i: the silence since item i - 1.
        double Bonus(int i) => i <= 0 || i >= n ? 0 : GapWeight * Math.Log(1 + gaps[i - 1] / typical);

        var cost = new double[count + 1, n + 1];
        var from = new int[count + 1, n + 1];
        for (var k = 0; k <= count; k++)
        {
            for (var j = 0; j <= n; j++)
            {
                cost[k, j] = double.PositiveInfinity;
            }
        }
        cost[0, 0] = 0;
        for (var k = 1; k <= count; k++)
        {
            for (var j = k * MinSourcesPerEpisode; j <= n - (count - k) * MinSourcesPerEpisode; j++)
            {
                for (var i = (k - 1) * MinSourcesPerEpisode; i <= j - MinSourcesPerEpisode; i++)
                {
                    if (double.IsPositiveInfinity(cost[k - 1, i]))
                    {
                        continue;
                    }
                    var c = cost[k - 1, i] + Spread(i, j) - Bonus(i);
                    // Strictly better only: the earliest boundary wins a tie, so the plan is deterministic.
                    if (c < cost[k, j] - 1e-12)
                    {
                        cost[k, j] = c;
                        from[k, j] = i;
                    }
                }
            }
        }
        var cuts = new int[count + 1];
        cuts[count] = n;
        for (var k = count; k > 0; k--)
        {
            cuts[k - 1] = from[k, cuts[k]];
        }
        return cuts;
    }

    private static float[] Centroid(IEnumerable<float[]> vectors)
    {
        float[]? sum = null;
        foreach (var v in vectors)
        {
            sum ??= new float[v.Length];
            for (var d = 0; d < v.Length; d++)
            {
                sum[d] += v[d];
            }
        }
        sum ??= [];
        var norm = Math.Sqrt(sum.Sum(x => (double)x * x));
        return norm == 0 ? sum : sum.Select(x => (float)(x / norm)).ToArray();
    }

    private static double Dot(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var d = 0; d < Math.Min(a.Length, b.Length); d++)
        {
            sum += a[d] * b[d];
        }
        return sum;
    }

    /// <summary>
    /// The passage's first sentence, at most 200 characters: what a key moment says. Quoted as evidence is, so a
    /// note's own <c>[2]</c> or <c>[^1]</c> cannot pass for a citation of the episode's source 2 or footnote 1.
    /// </summary>
    public static string FirstSentence(string text)
    {
        var flat = Whitespace().Replace(ExtractiveAnswer.Quote(StripMarkdown().Replace(text, " ")), " ").Trim();
        var end = SentenceEnd().Match(flat);
        var sentence = end.Success && end.Index + 1 <= 200 ? flat[..(end.Index + 1)] : flat;
        return TextLength.Fit(sentence, 200);
    }

    private static string CleanTitle(string title) => Whitespace().Replace(title.Replace('#', ' '), " ").Trim();

    private static string Range(DateTimeOffset? from, DateTimeOffset? to) => (from, to) switch
    {
        (null, null) => "at any date",
        ({ } f, null) => $"since {f.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}",
        (null, { } t) => $"until {t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}",
        ({ } f, { } t) => $"between {f.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} and {t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}",
    };

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"[.!?](?=\s|$)")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"^#+\s|[*_`>]+|\[\[|\]\]", RegexOptions.Multiline)]
    private static partial Regex StripMarkdown();
}
