using System.Globalization;
using System.Text;
using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Ingest.Tokens;

namespace ConvoCanvas.Content.Brief;

/// <summary>A brief made by a model, and what it took.</summary>
public sealed record ModelBriefResult(string Markdown, int Tokens, int TargetTokens, int Pieces, int ModelCalls);

/// <summary>One step of making a brief: what is being done, or (last) the brief.</summary>
public sealed record BriefStep(string? Progress, ModelBriefResult? Result);

/// <summary>
/// A continuation brief written by a model, by map-reduce: the conversation is cut into pieces that fit
/// the model's own window; each piece is summarised into notes (goal, decisions, code, open questions);
/// the notes are merged, in rounds while they do not fit the window together; the merged summary and as
/// many of the last turns as fit make the brief. Its size is checked with the token counter and cut
/// until it fits the target window, whatever the model wrote.
/// </summary>
public sealed class ModelBrief(TokenCounter? counter = null)
{
    /// <summary>Tokens a model answer may take (notes of a piece, or the merged summary).</summary>
    public const int AnswerTokens = 1_024;

    /// <summary>Tokens of instructions around a piece in the prompt.</summary>
    private const int PromptOverhead = 300;

    /// <summary>Tokens around each note in a merge prompt (its "--- part n ---" line).</summary>
    private const int NoteOverhead = 8;

    /// <summary>The share of the target window the model's summary may take; the last turns get the rest.</summary>
    private const double SummaryShare = 0.6;

    private readonly TokenCounter _counter = counter ?? TokenCounter.Default;

    public const string System =
        "You summarise a conversation between a person and an AI assistant so that it can be continued in a new chat. " +
        "Keep facts exact: names, versions, file paths, commands, numbers. Do not invent anything.";

    /// <summary>
    /// The brief. <paramref name="generate"/> asks the model (prompt, max tokens) and returns its text;
    /// <paramref name="progress"/> hears what is being done.
    /// </summary>
    public async Task<ModelBriefResult> BuildAsync(Conversation conversation, int targetTokens, int modelWindow,
        Func<string, int, CancellationToken, Task<string>> generate, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        await foreach (var step in StepsAsync(conversation, targetTokens, modelWindow, generate, cancellationToken))
        {
            if (step.Result is { } result)
            {
                return result;
            }
            progress?.Report(step.Progress!);
        }
        throw new InvalidOperationException("the brief ended without a result");
    }

    /// <summary>The same, as steps: what is being done as it starts, then the brief.</summary>
    public async IAsyncEnumerable<BriefStep> StepsAsync(Conversation conversation, int targetTokens, int modelWindow,
        Func<string, int, CancellationToken, Task<string>> generate, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetTokens, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(modelWindow, 2_048);
        var messages = TokenCounter.ActiveMessages(conversation).Where(m => !m.IsSidechain && TokenCounter.ContextText(m).Trim().Length > 0).ToList();
        var room = modelWindow - AnswerTokens - PromptOverhead;
        var pieces = Pieces(messages, room);
        // Notes of a piece are held to half the room, so any two fit one merge and every round halves them:
        // with a small window no part of the conversation is ever dropped to make the notes fit.
        var noteTokens = Math.Min(AnswerTokens, room / 2 - NoteOverhead);
        var calls = 0;
        var notes = new List<string>();
        for (var i = 0; i < pieces.Count; i++)
        {
            yield return new BriefStep($"reading part {i + 1} of {pieces.Count}", null);
            notes.Add(Cut(await generate(MapPrompt(conversation.Title, i + 1, pieces.Count, pieces[i]), noteTokens, cancellationToken), noteTokens));
            calls++;
        }
        var summaryBudget = (int)(targetTokens * SummaryShare);
        // Merge in rounds: as many notes as fit the window go into one merge, until one summary is left.
        var round = 0;
        while (notes.Count > 1 || round == 0)
        {
            round++;
            var groups = Group(notes, room);
            var merged = new List<string>();
            // A merge that is not the last one is held to the note size, so the next round can pair it up again.
            var answerTokens = groups.Count == 1 ? Math.Min(AnswerTokens, summaryBudget) : noteTokens;
            foreach (var group in groups)
            {
                yield return new BriefStep(groups.Count == 1 ? "merging the notes" : $"merging notes, round {round}", null);
                merged.Add(Cut(await generate(ReducePrompt(conversation.Title, group, answerTokens), answerTokens, cancellationToken), answerTokens));
                calls++;
            }
            if (merged.Count >= notes.Count && notes.Count > 1)
            {
                throw new InvalidOperationException($"merging {notes.Count} notes gave {merged.Count}: the model window is too small to pair them");
            }
            notes = merged;
        }
        var markdown = Assemble(conversation, notes.Single(), messages, targetTokens, pieces.Count);
        yield return new BriefStep(null, new ModelBriefResult(markdown, _counter.Count(markdown), targetTokens, pieces.Count, calls));
    }

    /// <summary>The transcript cut at message boundaries into pieces of at most <paramref name="pieceTokens"/>; a longer message is cut by lines.</summary>
    public IReadOnlyList<string> Pieces(IReadOnlyList<Message> messages, int pieceTokens)
    {
        var pieces = new List<string>();
        var current = new StringBuilder();
        var tokens = 0;
        void Flush()
        {
            if (current.Length > 0)
            {
                pieces.Add(current.ToString());
                current.Clear();
                tokens = 0;
            }
        }
        foreach (var message in messages)
        {
            var turn = $"{message.Role}: {TokenCounter.ContextText(message).Trim()}\n\n";
            var cost = _counter.Count(turn);
            if (cost > pieceTokens)
            {
                Flush();
                foreach (var part in Split(turn, pieceTokens))
                {
                    pieces.Add(part);
                }
                continue;
            }
            if (tokens + cost > pieceTokens)
            {
                Flush();
            }
            current.Append(turn);
            tokens += cost;
        }
        Flush();
        return pieces;
    }

    public static string MapPrompt(string title, int part, int parts, string piece) =>
        $"This is part {part} of {parts} of the conversation \"{title}\".\n\n{piece}\n" +
        "Write short notes on this part under these headings, leaving a heading empty when the part says nothing for it:\n" +
        "## Goal\n## Decisions made\n## State of the code\n## Open questions";

    public static string ReducePrompt(string title, IReadOnlyList<string> notes, int budgetTokens) =>
        $"These are notes on consecutive parts of the conversation \"{title}\".\n\n" +
        string.Join("\n\n", notes.Select((n, i) => $"--- part {i + 1} ---\n{n.Trim()}")) +
        $"\n\nMerge them into one continuation brief of at most {budgetTokens} tokens, later parts winning where they disagree, under these headings:\n" +
        "## Goal\n## Decisions made\n## State of the code\n## Open questions";

    private List<List<string>> Group(IReadOnlyList<string> notes, int room)
    {
        var groups = new List<List<string>>();
        var tokens = 0;
        foreach (var note in notes)
        {
            var cost = _counter.Count(note) + NoteOverhead;
            if (groups.Count == 0 || tokens + cost > room)
            {
                groups.Add([]);
                tokens = 0;
            }
            groups[^1].Add(cost > room ? Cut(note, room) : note);
            tokens += Math.Min(cost, room);
        }
        if (groups.Count == 0)
        {
            groups.Add([""]);
        }
        return groups;
    }

    /// <summary>The brief: heading, the model's summary (cut to its share), then the last turns newest first in priority; cut until it fits.</summary>
    internal string Assemble(Conversation conversation, string summary, IReadOnlyList<Message> messages, int targetTokens, int pieces)
    {
        var heading = $"# Continuation brief: {conversation.Title}\n\n" +
            $"*From {conversation.Source} conversation {conversation.Id}, {messages.Count.ToString(CultureInfo.InvariantCulture)} messages, summarised from {pieces} part(s). Paste this into a new chat to carry on.*\n\n";
        var body = Cut(summary.Trim(), (int)(targetTokens * SummaryShare)) + "\n\n";
        var turns = new List<string>();
        var room = targetTokens - _counter.Count(heading + body + "## Last turns\n\n") - 8;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var turn = $"**{messages[i].Role}** ({messages[i].Id}):\n{TokenCounter.ContextText(messages[i]).Trim()}\n\n";
            var cost = _counter.Count(turn);
            if (cost > room)
            {
                if (turns.Count == 0 && room > 64)
                {
                    // The newest turn alone is too long: keep its end, where the work stopped.
                    turns.Add($"**{messages[i].Role}** ({messages[i].Id}):\n…{End(TokenCounter.ContextText(messages[i]).Trim(), room - 16)}\n\n");
                }
                break;
            }
            room -= cost;
            turns.Insert(0, turn);
        }
        string Render() => heading + body + (turns.Count > 0 ? "## Last turns\n\n" + string.Concat(turns) : "");
        var markdown = Render();
        // Counts of joined text differ from the sum of the parts: check the whole and shed until it fits.
        while (_counter.Count(markdown) > targetTokens)
        {
            if (turns.Count > 0)
            {
                turns.RemoveAt(0);
            }
            else
            {
                body = Cut(body, Math.Max(0, _counter.Count(body) - (_counter.Count(markdown) - targetTokens) - 8)) + "\n\n";
                if (body.Trim().Length == 0)
                {
                    heading = Cut(heading, targetTokens - 4);
                }
            }
            markdown = Render();
        }
        return markdown;
    }

    /// <summary>The start of <paramref name="text"/> within <paramref name="tokens"/>, cut at a line or a word.</summary>
    internal string Cut(string text, int tokens)
    {
        if (_counter.Count(text) <= tokens)
        {
            return text;
        }
        if (tokens <= 0)
        {
            return "";
        }
        var low = 0;
        var high = text.Length;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (_counter.Count(text[..mid]) <= tokens - 1)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        var cut = text[..low];
        var line = cut.LastIndexOf('\n');
        var space = cut.LastIndexOf(' ');
        var at = line > low / 2 ? line : space > low / 2 ? space : low;
        return cut[..at].TrimEnd() + "…";
    }

    private string End(string text, int tokens)
    {
        var low = 0;
        var high = text.Length;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (_counter.Count(text[mid..]) <= tokens)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }
        return text[low..];
    }

    private IEnumerable<string> Split(string text, int tokens)
    {
        var rest = text;
        while (rest.Length > 0)
        {
            var part = Cut(rest, tokens);
            var taken = part.EndsWith('…') ? part.Length - 1 : part.Length;
            if (taken <= 0)
            {
                taken = Math.Min(rest.Length, 200);
                part = rest[..taken];
            }
            yield return part.TrimEnd('…');
            rest = rest[taken..].TrimStart();
        }
    }
}
