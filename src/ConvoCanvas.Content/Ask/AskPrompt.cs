using System.Globalization;
using System.Text;

namespace ConvoCanvas.Content.Ask;

/// <summary>
/// The prompt that makes a model answer from numbered evidence and cite it. The passages are trimmed so
/// that the prompt and the answer fit the context: <see cref="EstimateTokens"/> errs on the large side
/// (three characters a token) because every model's tokenizer differs.
/// </summary>
public sealed class AskPrompt
{
    public const string System =
        "You answer questions about the user's own notes and AI conversations, using only the numbered evidence you are given. " +
        "After every sentence that states something from the evidence, cite the evidence it came from as [n] (or [n, m]). " +
        "Cite only numbers that appear in the evidence list. " +
        "If the evidence does not answer the question, say so plainly instead of guessing. Be concise.";

    /// <summary>Characters of one passage at most, before the context budget trims further.</summary>
    public int MaxPassageCharacters { get; init; } = 1_500;

    /// <summary>Tokens kept free for the answer.</summary>
    public int AnswerTokens { get; init; } = 1_024;

    /// <summary>The user message: the evidence, numbered, then the question; passages shortened (never dropped) to fit <paramref name="contextTokens"/>.</summary>
    public string Build(string question, IReadOnlyList<EvidencePassage> evidence, int contextTokens)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        var fixedPart = EstimateTokens(System) + EstimateTokens(question) + 64 + evidence.Sum(e => EstimateTokens(Header(e)) + 4);
        var room = Math.Max(0, contextTokens - AnswerTokens - fixedPart);
        var perPassage = evidence.Count == 0 ? 0 : Math.Min(MaxPassageCharacters, room * CharactersPerToken / evidence.Count);
        var text = new StringBuilder();
        text.Append("Evidence:\n\n");
        foreach (var passage in evidence)
        {
            text.Append(Header(passage)).Append('\n');
            text.Append(Shorten(passage.Text, Math.Max(80, perPassage))).Append("\n\n");
        }
        text.Append("Question: ").Append(question.Trim()).Append('\n');
        text.Append("Answer with [n] citations:");
        return text.ToString();
    }

    /// <summary>The smallest power-of-two context, from 4,096 to <paramref name="max"/>, that holds the prompt and the answer.</summary>
    public int ContextFor(string question, IReadOnlyList<EvidencePassage> evidence, int max = 16_384)
    {
        var want = EstimateTokens(System) + EstimateTokens(question) + AnswerTokens + 64
            + evidence.Sum(e => EstimateTokens(Header(e)) + EstimateTokens(Shorten(e.Text, MaxPassageCharacters)) + 4);
        var context = 4_096;
        while (context < want && context < max)
        {
            context *= 2;
        }
        return Math.Min(context, max);
    }

    public const int CharactersPerToken = 3;

    public static int EstimateTokens(string text) => (text.Length + CharactersPerToken - 1) / CharactersPerToken;

    private static string Header(EvidencePassage passage)
    {
        var at = passage.At is { } when ? $", {when.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}" : "";
        return $"[{passage.Number}] {passage.Title} ({passage.Where}{at})";
    }

    /// <summary>At most <paramref name="max"/> characters, cut at a word and marked with an ellipsis.</summary>
    public static string Shorten(string text, int max)
    {
        text = text.Trim();
        if (text.Length <= max)
        {
            return text;
        }
        var cut = text.LastIndexOf(' ', Math.Max(0, max - 1));
        if (cut < max / 2)
        {
            // No space late enough: cut after the last whole character that fits, so an emoji or a letter
            // with its combining marks is kept whole or left out, never split.
            cut = 0;
            while (cut < text.Length && cut + StringInfo.GetNextTextElementLength(text, cut) <= max - 1)
            {
                cut += StringInfo.GetNextTextElementLength(text, cut);
            }
        }
        return text[..cut].TrimEnd() + "…";
    }
}
