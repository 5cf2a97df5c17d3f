using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ConvoCanvas.Content.Ask;

namespace ConvoCanvas.Content.Series;

/// <summary>
/// Writes an episode: the extractive draft (headings from the outline, the sources quoted, plain bridging
/// sentences, footnotes) and, for a model, the prompt and the turning of its <c>[n]</c> citations into
/// checked footnotes.
/// </summary>
public static partial class EpisodeWriter
{
    public const string System =
        "You write one episode of a blog series from the author's own notes and AI conversations, in the first person, as the author. " +
        "Use only the numbered evidence. After each sentence that states something from the evidence, cite it as [n]. " +
        "Write markdown: no title (it is added for you), two to five short sections with ## headings, plain and concrete.";

    /// <summary>The extractive draft: every key moment as a section with its source quoted and footnoted.</summary>
    public static EpisodeDraft Extractive(SeriesPlan series, EpisodePlan episode, int version, DateTimeOffset createdAt, string? note = null)
    {
        var text = new StringBuilder();
        text.Append(Heading(series, episode));
        text.Append("> Extractive draft: quoted from the sources; no model wrote it.\n\n");
        var cited = new List<int>();
        var previous = (DateTimeOffset?)null;
        foreach (var moment in episode.Moments)
        {
            var n = Number(episode, moment.SourceId);
            var source = episode.Sources[n - 1];
            text.Append("## ").Append(Day(moment.At)).Append(": ").Append(Short(moment.Text, 70)).Append("\n\n");
            text.Append(Bridge(source, previous)).Append("\n\n");
            text.Append("> ").Append(ExtractiveAnswer.Quote(AskPrompt.Shorten(source.Text.ReplaceLineEndings(" "), 600))).Append(" [^").Append(n).Append("]\n\n");
            cited.Add(n);
            previous = moment.At;
        }
        var others = Enumerable.Range(1, episode.Sources.Count).Where(n => !cited.Contains(n)).ToList();
        if (others.Count > 0)
        {
            text.Append("## Also in these days\n\n");
            foreach (var n in others)
            {
                var source = episode.Sources[n - 1];
                text.Append("- ").Append(Day(source.At)).Append(", *").Append(source.Title).Append("*: ")
                    .Append(SeriesPlanner.FirstSentence(source.Text)).Append(" [^").Append(n).Append("]\n");
                cited.Add(n);
            }
            text.Append('\n');
        }
        AppendFootnotes(text, episode, cited);
        return new EpisodeDraft
        {
            Episode = episode.Number,
            Version = version,
            Kind = EpisodeDraft.Extractive,
            Markdown = text.ToString(),
            Citations = Citations(episode, cited),
            Note = note,
            CreatedAt = createdAt,
        };
    }

    /// <summary>The user message for a model: the series, the episode's outline, its numbered evidence.</summary>
    public static string Prompt(SeriesPlan series, EpisodePlan episode, int contextTokens = 8_192)
    {
        var outline = new StringBuilder();
        outline.Append(CultureInfo.InvariantCulture, $"Series: {series.Topic} ({series.Episodes.Count} episodes).\n");
        outline.Append(CultureInfo.InvariantCulture, $"This episode, {episode.Number}: \"{episode.Title}\", {Day(episode.From)} to {Day(episode.To)}.\n");
        if (episode.Number > 1)
        {
            outline.Append(CultureInfo.InvariantCulture, $"The one before: \"{series.Episodes[episode.Number - 2].Title}\".\n");
        }
        outline.Append("Key moments, in order:\n");
        foreach (var moment in episode.Moments)
        {
            outline.Append(CultureInfo.InvariantCulture, $"- {Day(moment.At)}: {moment.Text} [{Number(episode, moment.SourceId)}]\n");
        }
        var evidence = episode.Sources.Select((s, i) => new EvidencePassage(i + 1, s.Title, Where(s), s.At, s.Text)).ToList();
        return new AskPrompt { AnswerTokens = 1_500 }.Build($"{outline}\nWrite this episode as markdown with [n] citations.", evidence, contextTokens);
    }

    /// <summary>A model's answer made into a draft: citations checked, <c>[n]</c> turned into footnotes, the heading and the footnote list added.</summary>
    public static EpisodeDraft FromModel(SeriesPlan series, EpisodePlan episode, string answer, int version, DateTimeOffset createdAt, string model,
        int modelCalls = 1, int promptTokens = 0, int outputTokens = 0)
    {
        // Footnotes are ours: a model's own definitions go, and its [^n] are read as the citations [n] (checked like the rest).
        answer = ModelFootnoteDefinition().Replace(answer, "");
        answer = ModelFootnoteReference().Replace(answer, "[$1]");
        // The filter writes each kept citation as footnotes itself, so code and brackets it leaves alone stay as they were.
        var filter = new CitationFilter(episode.Sources.Count) { Render = numbers => string.Concat(numbers.Select(n => $"[^{n}]")) };
        var body = (filter.Append(answer) + filter.Finish()).Trim();
        var (used, removed) = (filter.Used, filter.Removed);
        // A heading the model added anyway at the top is dropped: the episode's title is ours.
        body = LeadingTitle().Replace(body, "");
        var text = new StringBuilder(Heading(series, episode));
        text.Append(body.Trim()).Append("\n\n");
        AppendFootnotes(text, episode, used);
        return new EpisodeDraft
        {
            Episode = episode.Number,
            Version = version,
            Kind = EpisodeDraft.ByModel,
            Markdown = text.ToString(),
            Citations = Citations(episode, used),
            RemovedCitations = removed,
            Model = model,
            ModelCalls = modelCalls,
            PromptTokens = promptTokens,
            OutputTokens = outputTokens,
            CreatedAt = createdAt,
        };
    }

    /// <summary>Where a source is, for people: a note's vault, path and heading, or a conversation and its message.</summary>
    public static string Where(SeriesSource source) => source.Kind == "note"
        ? $"{source.Vault}/{source.Path}{(source.Heading is { Length: > 0 } heading ? " › " + heading : "")}"
        : $"conversation {source.Path}{(source.Anchor is { Length: > 0 } message ? ", message " + message : "")}";

    public static string Day(DateTimeOffset at) => at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Heading(SeriesPlan series, EpisodePlan episode) =>
        $"# {episode.Title}\n\n*Episode {episode.Number} of {series.Episodes.Count} of {series.Topic} · {Day(episode.From)} to {Day(episode.To)}*\n\n";

    private static string Bridge(SeriesSource source, DateTimeOffset? previous)
    {
        var when = previous is { } p && (source.At - p).TotalDays >= 1 ? $"{(int)(source.At - p).TotalDays} days later" : $"On {Day(source.At)}";
        return source.Kind == "note"
            ? $"{when}, the note *{source.Title}* records:"
            : $"{when}, a conversation, *{source.Title}*, has this:";
    }

    private static int Number(EpisodePlan episode, string sourceId)
    {
        for (var i = 0; i < episode.Sources.Count; i++)
        {
            if (episode.Sources[i].Id == sourceId)
            {
                return i + 1;
            }
        }
        throw new InvalidOperationException($"moment source {sourceId} is not among episode {episode.Number}'s sources");
    }

    private static void AppendFootnotes(StringBuilder text, EpisodePlan episode, IEnumerable<int> cited)
    {
        foreach (var n in cited.Distinct().Order())
        {
            var source = episode.Sources[n - 1];
            text.Append("[^").Append(n).Append("]: ").Append(source.Title).Append(" — ").Append(Where(source)).Append(", ").Append(Day(source.At)).Append('\n');
        }
    }

    private static List<DraftCitation> Citations(EpisodePlan episode, IEnumerable<int> cited) =>
        cited.Distinct().Order().Select(n => episode.Sources[n - 1]).Select((s, _) => s)
            .Select(s => new DraftCitation(Number(episode, s.Id), s.Id, s.Path, s.Anchor, s.Title)).ToList();

    private static string Short(string text, int max) => text.Length <= max ? text.TrimEnd('.') : AskPrompt.Shorten(text, max);

    [GeneratedRegex(@"\A\s*#\s[^\n]*\n")]
    private static partial Regex LeadingTitle();

    [GeneratedRegex(@"^[ \t]*\[\^[^\]\n]*\]:[^\n]*(\n|\z)", RegexOptions.Multiline)]
    private static partial Regex ModelFootnoteDefinition();

    [GeneratedRegex(@"\[\^(\d+)\]")]
    private static partial Regex ModelFootnoteReference();
}
