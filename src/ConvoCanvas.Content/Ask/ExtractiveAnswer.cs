using System.Text;
using System.Text.RegularExpressions;

namespace ConvoCanvas.Content.Ask;

/// <summary>
/// The answer when no model can write one: the best passages quoted, each with its citation, and a first
/// line that says why. Nothing is made up, so every citation points at evidence.
/// </summary>
public static partial class ExtractiveAnswer
{
    public static string Build(IReadOnlyList<EvidencePassage> evidence, string why, int passages = 3, int characters = 320)
    {
        var text = new StringBuilder();
        text.Append("No model could write an answer (").Append(why.TrimEnd('.')).Append("). The passages that match best:\n");
        foreach (var passage in evidence.Take(passages))
        {
            var quote = Quote(AskPrompt.Shorten(passage.Text.ReplaceLineEndings(" "), characters));
            text.Append("\n> ").Append(quote).Append(" [").Append(passage.Number).Append("]\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// A passage made safe to quote on one line: its own brackets become parentheses, so a <c>[2]</c> in a note is not
    /// read as a citation; fence markers (three backticks or more) go, as a fence means nothing inside a line; and a
    /// code span cut open by shortening is dropped, so the citation after the quote is not read as code.
    /// </summary>
    public static string Quote(string text)
    {
        var quoted = Fences().Replace(text.Replace('[', '(').Replace(']', ')'), "");
        // Backtick runs pair up by length; the last run of a length left without a partner is removed.
        var runs = Ticks().Matches(quoted);
        var unmatched = runs.GroupBy(r => r.Length).Where(g => g.Count() % 2 == 1).Select(g => g.Last()).OrderByDescending(r => r.Index);
        var builder = new StringBuilder(quoted);
        foreach (var run in unmatched)
        {
            builder.Remove(run.Index, run.Length);
        }
        return builder.ToString();
    }

    [GeneratedRegex("`{3,}[A-Za-z0-9_+-]*")]
    private static partial Regex Fences();

    [GeneratedRegex("`+")]
    private static partial Regex Ticks();

    /// <summary>What to say when search found nothing: no evidence, so no answer is guessed.</summary>
    public static string NoEvidence(string question) =>
        $"I found nothing in your notes or conversations about \"{question.Trim()}\", so I will not guess. Try other words, or import the notes or chats that cover it.";
}
