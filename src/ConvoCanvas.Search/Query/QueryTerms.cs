using System.Text.RegularExpressions;

namespace ConvoCanvas.Search.Query;

/// <summary>The words of a query the keyword leg searches for and the snippets highlight.</summary>
public static partial class QueryTerms
{
    public const int MaxTerms = 32;

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}_]*", RegexOptions.CultureInvariant)]
    private static partial Regex Word();

    /// <summary>Lower-case words of two or more characters, first occurrence order, at most <see cref="MaxTerms"/>.</summary>
    public static IReadOnlyList<string> Of(string query)
    {
        var terms = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in Word().Matches(query))
        {
            var term = match.Value.ToLowerInvariant();
            if (term.Length >= 2 && !StopWords.Contains(term) && seen.Add(term))
            {
                terms.Add(term);
                if (terms.Count == MaxTerms)
                {
                    break;
                }
            }
        }
        return terms;
    }

    /// <summary>The start of a word that counts as a match for a term (a crude stem: "indexing" matches "index").</summary>
    internal static string Stem(string term) => term.Length <= 4 ? term : term[..Math.Max(4, term.Length - 3)];

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "i", "in", "is", "it", "its",
        "of", "on", "or", "that", "the", "this", "to", "was", "what", "when", "where", "which", "who", "why", "with", "can",
        "my", "me", "we", "you", "your", "our", "there", "these", "those", "into", "about", "not", "no", "if", "so", "but",
    };
}
