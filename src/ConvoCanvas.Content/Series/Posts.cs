using System.Text;
using ConvoCanvas.Content.Text;

namespace ConvoCanvas.Content.Series;

/// <summary>A post in three lengths, each within its limit in user-perceived characters.</summary>
public sealed record PostSet(string Short, string Medium, string Long)
{
    public const int ShortLimit = 300;
    public const int MediumLimit = 1_000;
    /// <summary>LinkedIn's limit for a post.</summary>
    public const int LongLimit = 3_000;

    public static IReadOnlyList<(string Name, int Limit)> Lengths { get; } = [("short", ShortLimit), ("medium", MediumLimit), ("long", LongLimit)];
}

/// <summary>The posts of a series: one set for the season, one per episode.</summary>
public sealed record SeriesPosts
{
    public required PostSet Season { get; init; }
    public required IReadOnlyDictionary<int, PostSet> Episodes { get; init; }
    /// <summary><c>model</c> or <c>extractive</c>.</summary>
    public required string Kind { get; init; }
    public int ModelCalls { get; init; }
    public int Shortened { get; init; }
    public int Cut { get; init; }

    /// <summary>Each episode's draft version the posts were written from (0: no draft, from the plan alone).</summary>
    public IReadOnlyDictionary<int, int> FromDrafts { get; init; } = new Dictionary<int, int>();

    /// <summary>
    /// True when these posts were written from <paramref name="latest"/>, the episodes' current drafts: the same
    /// draft version of every episode of <paramref name="plan"/>, and nothing more or less.
    /// </summary>
    public bool WrittenFrom(SeriesPlan plan, IEnumerable<EpisodeDraft> latest)
    {
        var current = latest.ToDictionary(d => d.Episode, d => d.Version);
        return plan.Episodes.Count == Episodes.Count
            && plan.Episodes.All(e => Episodes.ContainsKey(e.Number) && FromDrafts.TryGetValue(e.Number, out var used) && used == current.GetValueOrDefault(e.Number));
    }
}

/// <summary>
/// Posts made from a plan without a model, and the guard every post passes (a model's included): hashtags
/// from the sources' tags kept whole at the end, the body fitted to what is left.
/// </summary>
public static class PostWriter
{
    /// <summary>Up to <paramref name="count"/> hashtags from the sources' tags, the most used first (ties by name).</summary>
    public static IReadOnlyList<string> Hashtags(IEnumerable<SeriesSource> sources, int count = 4) =>
        sources.SelectMany(s => s.Tags)
            .Select(Hashtag).Where(t => t.Length > 1)
            .GroupBy(t => t, StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(count).Select(g => g.First()).ToList();

    /// <summary><c>projects/gpu-scheduling</c> → <c>#GpuScheduling</c>: the tag's last part, letters and digits only.</summary>
    public static string Hashtag(string tag)
    {
        var last = tag.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        var text = new StringBuilder("#");
        var upper = false;
        foreach (var c in last)
        {
            if (char.IsLetterOrDigit(c))
            {
                text.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = text.Length > 1;
            }
        }
        return text.ToString();
    }

    /// <summary>The body fitted so that body, a blank line and the hashtags stay within <paramref name="limit"/>.</summary>
    public static string Compose(string body, IReadOnlyList<string> hashtags, int limit)
    {
        var tags = TagLine(hashtags, limit);
        return tags.Length == 0 ? TextLength.Fit(body, limit) : TextLength.Fit(body, BodyRoom(hashtags, limit)) + "\n\n" + tags;
    }

    /// <summary>How many characters the body of a post may have once <see cref="Compose"/> adds the hashtags.</summary>
    public static int BodyRoom(IReadOnlyList<string> hashtags, int limit)
    {
        var tags = TagLine(hashtags, limit);
        return tags.Length == 0 ? limit : limit - TextLength.Count(tags) - 2;
    }

    /// <summary>The hashtags that end a post: whole ones only, at most a third of the limit.</summary>
    private static string TagLine(IReadOnlyList<string> hashtags, int limit)
    {
        var tags = string.Join(' ', hashtags);
        while (tags.Length > 0 && TextLength.Count(tags) > limit / 3)
        {
            var space = tags.LastIndexOf(' ');
            tags = space > 0 ? tags[..space] : "";
        }
        return tags;
    }

    public static PostSet ForEpisode(SeriesPlan series, EpisodePlan episode)
    {
        var tags = Hashtags(episode.Sources);
        var moments = episode.Moments.Select(m => m.Text).ToList();
        var headline = $"{series.Topic}, part {episode.Number}: {episode.Title}.";
        var shortBody = $"{headline} {moments.FirstOrDefault()}";
        var medium = new StringBuilder(headline).Append("\n\n");
        foreach (var moment in episode.Moments.Take(3))
        {
            medium.Append("• ").Append(EpisodeWriter.Day(moment.At)).Append(": ").Append(moment.Text).Append('\n');
        }
        var full = new StringBuilder(headline).Append("\n\n");
        full.Append($"From {EpisodeWriter.Day(episode.From)} to {EpisodeWriter.Day(episode.To)}, {episode.Sources.Count} notes and conversations tell this part of the story.\n\n");
        foreach (var moment in episode.Moments)
        {
            full.Append("• ").Append(EpisodeWriter.Day(moment.At)).Append(": ").Append(moment.Text).Append('\n');
        }
        full.Append("\nSources: ").Append(string.Join("; ", episode.Sources.Select(s => s.Title).Distinct(StringComparer.Ordinal))).Append('.');
        return new PostSet(Compose(shortBody, tags, PostSet.ShortLimit), Compose(medium.ToString(), tags, PostSet.MediumLimit), Compose(full.ToString(), tags, PostSet.LongLimit));
    }

    public static PostSet ForSeason(SeriesPlan series)
    {
        var tags = Hashtags(series.Episodes.SelectMany(e => e.Sources));
        var first = series.Episodes[0].From;
        var last = series.Episodes[^1].To;
        var headline = $"{series.Topic}: {series.Episodes.Count} episodes, {EpisodeWriter.Day(first)} to {EpisodeWriter.Day(last)}.";
        var shortBody = $"{headline} It starts with {series.Episodes[0].Title} and ends with {series.Episodes[^1].Title}.";
        var medium = new StringBuilder(headline).Append("\n\n");
        var full = new StringBuilder(headline).Append("\n\n");
        foreach (var episode in series.Episodes)
        {
            medium.Append(episode.Number).Append(". ").Append(episode.Title).Append('\n');
            full.Append(episode.Number).Append(". ").Append(episode.Title).Append(" (").Append(EpisodeWriter.Day(episode.From)).Append(" to ")
                .Append(EpisodeWriter.Day(episode.To)).Append("): ").Append(episode.Moments.FirstOrDefault()?.Text).Append('\n');
        }
        return new PostSet(Compose(shortBody, tags, PostSet.ShortLimit), Compose(medium.ToString(), tags, PostSet.MediumLimit), Compose(full.ToString(), tags, PostSet.LongLimit));
    }

    /// <summary>The prompt for a model's post of one length.</summary>
    public static string Prompt(string name, int limit, string about) =>
        $"Write a {name} LinkedIn post of at most {limit} characters, hashtags included, in the first person, from this material. " +
        $"No preamble, only the post.\n\n{about}";

    /// <summary>The prompt that sends an over-long post back once.</summary>
    /// <summary>Sends a post body back to be shortened to <paramref name="limit"/> characters (its hashtags are added afterwards).</summary>
    public static string ShortenPrompt(string post, int limit) =>
        $"This post has {TextLength.Count(post)} characters; rewrite it in at most {limit} characters, without hashtags. Only the post.\n\n{post}";
}
