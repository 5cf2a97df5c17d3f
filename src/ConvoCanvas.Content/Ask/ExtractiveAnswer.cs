using System.Text;

namespace ConvoCanvas.Content.Ask;

/// <summary>
/// The answer when no model can write one: the best passages quoted, each with its citation, and a first
/// line that says why. Nothing is made up, so every citation points at evidence.
/// </summary>
public static class ExtractiveAnswer
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

    /// <summary>A passage's own brackets as parentheses, so a <c>[2]</c> in a note is not read as a citation.</summary>
    public static string Quote(string text) => text.Replace('[', '(').Replace(']', ')');

    /// <summary>What to say when search found nothing: no evidence, so no answer is guessed.</summary>
    public static string NoEvidence(string question) =>
        $"I found nothing in your notes or conversations about \"{question.Trim()}\", so I will not guess. Try other words, or import the notes or chats that cover it.";
}
