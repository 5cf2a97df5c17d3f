using System.Text.RegularExpressions;

namespace ConvoCanvas.Search.Chunking;

/// <summary>
/// Cuts text that is over a token budget into pieces within it, at the coarsest boundary that
/// works: blank lines, then lines, then sentences, then words, and last by characters.
/// </summary>
internal sealed partial class TextSplitter(Func<string, int> countTokens)
{
    // BERT's vocabulary turns a run of over 100 characters without a break into one [UNK], so a
    // piece of n tokens never spans more than ~100·n characters; the character search stays bounded.
    private const int MaxCharsPerToken = 100;

    public int Count(string text) => text.Length == 0 ? 0 : countTokens(text);

    public List<string> Split(string text, int budget)
    {
        var pieces = new List<string>();
        SplitInto(text, Math.Max(1, budget), 0, pieces);
        return pieces;
    }

    /// <summary>The last words of <paramref name="text"/>, at most <paramref name="budget"/> tokens: the overlap a following piece repeats.</summary>
    public string Tail(string text, int budget)
    {
        if (budget <= 0) return "";
        var words = Whitespace().Split(text.TrimEnd());
        var tail = "";
        for (var take = 1; take <= Math.Min(words.Length, budget); take++)
        {
            var candidate = string.Join(' ', words[^take..]);
            if (Count(candidate) > budget) break;
            tail = candidate;
        }

        return tail;
    }

    /// <summary>The longest start of <paramref name="text"/> within <paramref name="budget"/> tokens (at least one character).</summary>
    public string Head(string text, int budget)
    {
        var length = FittingLength(text, budget);
        return text[..length];
    }

    private void SplitInto(string text, int budget, int level, List<string> pieces)
    {
        text = text.Trim('\r', '\n').TrimEnd();
        if (text.Length == 0) return;
        if (Count(text) <= budget)
        {
            pieces.Add(text);
            return;
        }

        for (; level < 4; level++)
        {
            var (parts, separator) = level switch
            {
                0 => (BlankLines().Split(text), "\n\n"),
                1 => (text.Split('\n'), "\n"),
                2 => (SentenceEnd().Split(text), " "),
                _ => (Whitespace().Split(text), " "),
            };
            if (parts.Length < 2) continue;

            // Word-piece counts add up across whitespace, so the running sum is exact for MiniLM;
            // for a counter where it is not, an over-budget piece is split again one level down.
            var current = new List<string>();
            var currentTokens = 0;
            foreach (var raw in parts)
            {
                var part = level >= 2 ? raw.Trim() : raw.TrimEnd();
                if (part.Trim().Length == 0) continue;
                var tokens = Count(part);
                if (tokens > budget)
                {
                    Flush();
                    SplitInto(part, budget, level + 1, pieces);
                    continue;
                }

                if (current.Count > 0 && currentTokens + tokens > budget) Flush();
                current.Add(part);
                currentTokens += tokens;
            }

            Flush();
            return;

            void Flush()
            {
                if (current.Count == 0) return;
                var piece = string.Join(separator, current);
                current.Clear();
                currentTokens = 0;
                if (Count(piece) <= budget) pieces.Add(piece);
                else SplitInto(piece, budget, level + 1, pieces);
            }
        }

        while (text.Length > 0)
        {
            var length = FittingLength(text, budget);
            pieces.Add(text[..length]);
            text = text[length..];
        }
    }

    private int FittingLength(string text, int budget)
    {
        var high = (int)Math.Min(text.Length, (long)budget * MaxCharsPerToken);
        if (Count(text[..high]) <= budget) return AvoidSplitPair(text, high);
        var low = 1; // fits, or is the least progress possible
        while (high - low > 1)
        {
            var middle = low + (high - low) / 2;
            if (Count(text[..middle]) <= budget) low = middle;
            else high = middle;
        }

        return AvoidSplitPair(text, low);
    }

    private static int AvoidSplitPair(string text, int length) =>
        length < text.Length && length > 1 && char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;

    [GeneratedRegex(@"\n[ \t]*\r?\n(?:[ \t]*\r?\n)*")]
    private static partial Regex BlankLines();

    [GeneratedRegex(@"(?<=[.!?;:])\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
