using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Tokens;

/// <summary>A brief and what went into it.</summary>
public sealed record Brief(string Markdown, int Tokens, int TargetTokens, string Goal, IReadOnlyList<string> Decisions, IReadOnlyList<string> OpenQuestions, IReadOnlyList<string> TurnIds);

/// <summary>
/// Builds a markdown brief to carry an overflowing conversation into a fresh context, without a
/// model: everything in it is copied from the conversation (extractive), so it cannot invent a
/// decision, and the same conversation always gives the same brief. It states the goal (the first
/// prompt), the decisions (sentences with cue phrases), the open questions (late questions), and then
/// as many of the latest turns as the window still holds, newest first in priority.
/// </summary>
public sealed partial class ContinuationBrief(TokenCounter? counter = null)
{
    // Shares of the target each section may take; the recent turns get the rest.
    private const double GoalShare = 0.15;
    private const double DecisionShare = 0.20;
    private const double QuestionShare = 0.10;
    private const int MaxDecisions = 12;
    private const int MaxQuestions = 6;
    /// <summary>Questions are looked for in the last part of the conversation: earlier ones were most likely answered.</summary>
    private const double LatePart = 0.5;

    private static readonly string[] DecisionCues =
    [
        "we decided", "i decided", "decided to", "decision is", "let's go with", "let’s go with", "lets go with",
        "i'll use", "i’ll use", "we'll use", "we’ll use", "we will use", "i will use", "going with", "go with",
        "the fix is", "the fix was", "the solution is", "chosen", "we chose", "i chose", "settled on", "agreed",
        "we'll keep", "we’ll keep", "instead of",
    ];

    private readonly TokenCounter _counter = counter ?? TokenCounter.Default;

    public Brief Build(Conversation conversation, int targetTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetTokens, 16);
        // Messages with nothing to read (thinking only, empty tool output, bookkeeping) would only cost tokens.
        var messages = TokenCounter.ActiveMessages(conversation)
            .Where(m => !m.IsSidechain && TokenCounter.ContextText(m).Trim().Length > 0)
            .ToList();

        var goalText = messages.Where(m => m.Role == MessageRoles.User).Select(m => OneParagraph(WithoutInjectedTags(m.Text))).FirstOrDefault(t => t.Length > 0);
        var goal = Bounded(goalText ?? "", (int)(targetTokens * GoalShare));
        var turnCap = Math.Max(64, targetTokens / 4);
        var decisions = Newest(Decisions(messages), MaxDecisions, (int)(targetTokens * DecisionShare));
        var questions = Newest(OpenQuestions(messages), MaxQuestions, (int)(targetTokens * QuestionShare));

        // Newest turn first: it is where the work stopped, so it is the last thing to give up.
        // Turns are priced one by one (linear), and the whole is checked below.
        var turns = new List<Message>();
        var room = targetTokens - _counter.Count(Render(conversation, targetTokens, goal, decisions, questions, [], null, turnCap)) - 8;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var cost = _counter.Count(TurnBlock(messages[i], null, turnCap, keepEnd: i == messages.Count - 1));
            if (cost > room) break;
            room -= cost;
            turns.Insert(0, messages[i]);
        }

        var markdown = Render(conversation, targetTokens, goal, decisions, questions, turns, null, turnCap);
        string? lastTurnText = null;
        if (turns.Count == 0 && messages.Count > 0)
        {
            // Even the newest turn alone is too long: keep its end, where it stopped.
            var last = messages[^1];
            var left = targetTokens - _counter.Count(Render(conversation, targetTokens, goal, decisions, questions, [last], "", turnCap)) - 2;
            lastTurnText = TruncateStart(TurnText(last), left);
            turns.Add(last);
            markdown = Render(conversation, targetTokens, goal, decisions, questions, turns, lastTurnText, turnCap);
        }

        // Token counts of joined text are not the sum of the parts: check the whole and shed until it fits.
        while (_counter.Count(markdown) > targetTokens)
        {
            if (turns.Count > 1) turns.RemoveAt(0);
            else if (decisions.Count > 0) decisions.RemoveAt(0);
            else if (questions.Count > 0) questions.RemoveAt(0);
            else if (goal.Length > 0) goal = "";
            else
            {
                markdown = _counter.Truncate(markdown, targetTokens);
                break;
            }

            markdown = Render(conversation, targetTokens, goal, decisions, questions, turns, lastTurnText, turnCap);
        }

        return new Brief(markdown, _counter.Count(markdown), targetTokens, goal, decisions, questions, turns.Select(t => t.Id).ToList());
    }

    private string Render(Conversation conversation, int target, string goal, List<string> decisions, List<string> questions, List<Message> turns, string? lastTurnText, int turnCap)
    {
        var builder = new StringBuilder();
        var title = string.IsNullOrWhiteSpace(conversation.Title) ? conversation.Id : conversation.Title.Trim();
        builder.Append("# Continuing: ").Append(title).Append('\n');
        builder.Append(CultureInfo.InvariantCulture, $"_Extractive brief of {conversation.Id}, written to fit a {target:N0}-token window._\n\n");

        builder.Append("## Goal\n").Append(goal.Length > 0 ? goal : "(not stated)").Append("\n\n");
        if (decisions.Count > 0)
        {
            builder.Append("## Decisions\n");
            foreach (var decision in decisions) builder.Append("- ").Append(decision).Append('\n');
            builder.Append('\n');
        }

        if (questions.Count > 0)
        {
            builder.Append("## Open questions\n");
            foreach (var question in questions) builder.Append("- ").Append(question).Append('\n');
            builder.Append('\n');
        }

        if (turns.Count > 0)
        {
            builder.Append("## Latest turns\n");
            for (var i = 0; i < turns.Count; i++)
                builder.Append(TurnBlock(turns[i], i == turns.Count - 1 ? lastTurnText : null, turnCap, keepEnd: i == turns.Count - 1));
        }

        return builder.ToString().TrimEnd() + "\n";
    }

    /// <summary>
    /// One turn; a long one (a tool's whole output) is cut to <paramref name="cap"/> tokens: its opening,
    /// or for the newest turn its end, which is where the work stopped.
    /// </summary>
    private string TurnBlock(Message turn, string? shortenedText, int cap, bool keepEnd)
    {
        var builder = new StringBuilder();
        builder.Append("**").Append(turn.Role).Append("**");
        if (turn.CreatedAt is { } at) builder.Append(" (").Append(at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append(')');
        builder.Append(":\n").Append(shortenedText is not null ? "…" + shortenedText : keepEnd ? BoundedEnd(TurnText(turn), cap) : Bounded(TurnText(turn), cap)).Append("\n\n");
        return builder.ToString();
    }

    private static string TurnText(Message message)
    {
        var text = TokenCounter.ContextText(message).Trim();
        return text.Length > 0 ? text : "(no text)";
    }

    /// <summary>Sentences that record a choice, oldest first, each once.</summary>
    private static List<string> Decisions(List<Message> messages)
    {
        var found = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var message in messages.Where(m => m.Role is MessageRoles.User or MessageRoles.Assistant))
        {
            foreach (var sentence in Sentences(message.Text))
            {
                var lower = sentence.ToLowerInvariant();
                if (!DecisionCues.Any(cue => lower.Contains(cue, StringComparison.Ordinal))) continue;
                if (seen.Add(sentence)) found.Add(sentence);
            }
        }

        return found;
    }

    /// <summary>
    /// Questions the person asked in the later part of the conversation, plus any the assistant asked
    /// in its last reply (it was waiting on an answer when the window ran out).
    /// </summary>
    private static List<string> OpenQuestions(List<Message> messages)
    {
        var start = (int)(messages.Count * LatePart);
        var found = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = start; i < messages.Count; i++)
        {
            if (messages[i].Role != MessageRoles.User) continue;
            foreach (var sentence in Sentences(messages[i].Text).Where(s => s.EndsWith('?')))
                if (seen.Add(sentence)) found.Add(sentence);
        }

        var lastAssistant = messages.LastOrDefault(m => m.Role == MessageRoles.Assistant);
        if (lastAssistant is not null && messages.IndexOf(lastAssistant) >= start)
            foreach (var sentence in Sentences(lastAssistant.Text).Where(s => s.EndsWith('?')))
                if (seen.Add(sentence)) found.Add(sentence);

        return found;
    }

    /// <summary>Keeps the newest items that fit both a count and a token budget, in their original order.</summary>
    private List<string> Newest(List<string> items, int maxCount, int maxTokens)
    {
        var kept = new List<string>();
        var used = 0;
        for (var i = items.Count - 1; i >= 0 && kept.Count < maxCount; i--)
        {
            var cost = _counter.Count(items[i]) + 2; // "- " and the line break
            if (used + cost > maxTokens) continue;
            used += cost;
            kept.Insert(0, items[i]);
        }

        return kept;
    }

    private string Bounded(string text, int maxTokens)
    {
        if (_counter.Count(text) <= maxTokens) return text;
        return _counter.Truncate(text, Math.Max(0, maxTokens - 1)).TrimEnd() + "…";
    }

    private string BoundedEnd(string text, int maxTokens) =>
        _counter.Count(text) <= maxTokens ? text : "…" + TruncateStart(text, Math.Max(0, maxTokens - 1));

    /// <summary>The last <paramref name="maxTokens"/> tokens of a text (whole words where possible).</summary>
    private string TruncateStart(string text, int maxTokens)
    {
        if (maxTokens <= 0) return "";
        if (_counter.Count(text) <= maxTokens) return text;
        // Binary search on the start offset keeps this deterministic and O(log n) tokenizations.
        int low = 0, high = text.Length;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (_counter.Count(text[mid..]) <= maxTokens) high = mid; else low = mid + 1;
        }

        var space = text.IndexOf(' ', low);
        return space >= 0 && space - low < 40 ? text[(space + 1)..] : text[low..];
    }

    /// <summary>Editor and tool context that clients wrap around a prompt (<c>&lt;ide_opened_file&gt;…</c>), not what the person typed.</summary>
    private static string WithoutInjectedTags(string text) => InjectedTag().Replace(text, " ");

    private static string OneParagraph(string text) => WhitespaceRun().Replace(text.Trim(), " ");

    private static IEnumerable<string> Sentences(string text)
    {
        foreach (var line in FencedCode().Replace(text, "\n").Split('\n'))
        {
            // Code and quoted output are not sentences anyone decided on.
            var trimmed = line.Trim().TrimStart('-', '*', '>', ' ');
            if (trimmed.Length == 0 || line.StartsWith("    ", StringComparison.Ordinal) || trimmed.StartsWith("```", StringComparison.Ordinal)) continue;
            foreach (Match match in SentencePattern().Matches(trimmed))
            {
                var sentence = match.Value.Trim();
                if (sentence.Length is >= 8 and <= 400) yield return sentence;
            }
        }
    }

    /// <summary>A sentence ends at . ! or ? followed by a space or the end, so "1.1.1.1" and "v2.1" stay whole.</summary>
    [GeneratedRegex(@"(?:[^.!?]|[.!?](?!\s|$))+(?:[.!?]+|$)")]
    private static partial Regex SentencePattern();

    [GeneratedRegex(@"```[\s\S]*?(```|$)")]
    private static partial Regex FencedCode();

    [GeneratedRegex(@"<([a-z]+[-_][a-z_-]+)>[\s\S]*?</\1>")]
    private static partial Regex InjectedTag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRun();
}
