namespace ConvoCanvas.Content.Series;

/// <summary>A note or a conversation found for a series: its best passage, where it is, and when it was written.</summary>
public sealed record SeriesSource
{
    /// <summary><c>note:{vault}/{path}</c> or <c>conversation:{id}</c>.</summary>
    public required string Id { get; init; }
    /// <summary><c>note</c> or <c>conversation</c>.</summary>
    public required string Kind { get; init; }
    public required string Title { get; init; }
    /// <summary>The vault-relative path of a note; the conversation id of a conversation.</summary>
    public required string Path { get; init; }
    public string? Vault { get; init; }
    /// <summary>A heading anchor for a note, a message id for a conversation.</summary>
    public string? Anchor { get; init; }
    public string? Heading { get; init; }
    public required DateTimeOffset At { get; init; }
    /// <summary>The passage the series quotes and a model reads.</summary>
    public required string Text { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
}

/// <summary>A moment of an episode: when, what (a sentence of the source), and which source says so.</summary>
public sealed record KeyMoment(DateTimeOffset At, string Text, string SourceId);

/// <summary>One episode of a plan: a stretch of time whose sources belong together.</summary>
public sealed record EpisodePlan
{
    public required int Number { get; init; }
    public required string Title { get; init; }
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    public required IReadOnlyList<KeyMoment> Moments { get; init; }
    /// <summary>At least three, in the order they were written; footnote n is <c>Sources[n - 1]</c>.</summary>
    public required IReadOnlyList<SeriesSource> Sources { get; init; }
}

/// <summary>A series planned from a topic: the same sources give the same plan.</summary>
public sealed record SeriesPlan
{
    public required string Slug { get; init; }
    public required string Topic { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public required IReadOnlyList<EpisodePlan> Episodes { get; init; }
    /// <summary>What the planner had to decide for the person: fewer episodes than asked, sources left out.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    public DateTimeOffset PlannedAt { get; init; }

    /// <summary>
    /// The same episodes as <paramref name="other"/>: titles, dates, and the same sources saying the same in the
    /// same order. A re-plan that gives the same episodes keeps the drafts and posts made for the earlier one.
    /// </summary>
    public bool SameEpisodesAs(SeriesPlan other) =>
        Episodes.Count == other.Episodes.Count
        && Episodes.Zip(other.Episodes).All(pair =>
            pair.First.Number == pair.Second.Number && pair.First.Title == pair.Second.Title
            && pair.First.From == pair.Second.From && pair.First.To == pair.Second.To
            && pair.First.Sources.Select(s => (s.Id, s.Anchor, s.Text)).SequenceEqual(pair.Second.Sources.Select(s => (s.Id, s.Anchor, s.Text))));
}

/// <summary>A series cannot be planned from what was found (too few sources); the message says what to do.</summary>
public sealed class SeriesPlanningException(string message) : Exception(message);
