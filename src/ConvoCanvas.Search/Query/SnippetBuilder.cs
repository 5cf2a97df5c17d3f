using System.Text;

namespace ConvoCanvas.Search.Query;

/// <summary>
/// A short extract of a chunk around the densest cluster of query terms, with the terms'
/// positions for highlighting. Whitespace is collapsed; cuts fall on word boundaries.
/// </summary>
public static class SnippetBuilder
{
    public const int DefaultLength = 240;

    public static (string Text, IReadOnlyList<TextRange> Highlights) Build(string body, IReadOnlyList<string> terms, int length = DefaultLength)
    {
        var text = Collapse(body);
        var matches = Matches(text, terms);
        var start = 0;
        if (matches.Count > 0 && text.Length > length)
        {
            // The window holding the most matches; ties take the earliest.
            var best = 0;
            for (int i = 0, j = 0; i < matches.Count; i++)
            {
                while (j < matches.Count && matches[j].Start + matches[j].Length - matches[i].Start <= length)
                {
                    j++;
                }
                if (j - i > best)
                {
                    best = j - i;
                    start = matches[i].Start;
                }
            }
            start = Math.Max(0, start - length / 6);
        }
        var end = Math.Min(text.Length, start + length);
        if (start > 0)
        {
            var space = text.IndexOf(' ', start);
            start = space >= 0 && space < end ? space + 1 : start;
        }
        if (end < text.Length)
        {
            var space = text.LastIndexOf(' ', end - 1, end - start);
            end = space > start ? space : end;
        }
        var prefix = start > 0 ? "…" : "";
        var suffix = end < text.Length ? "…" : "";
        var snippet = prefix + text[start..end] + suffix;
        var highlights = matches
            .Where(m => m.Start >= start && m.Start + m.Length <= end)
            .Select(m => new TextRange(m.Start - start + prefix.Length, m.Length))
            .ToList();
        return (snippet, highlights);
    }

    /// <summary>The snippet with each highlight wrapped in <paramref name="open"/> and <paramref name="close"/> (e.g. <c>**</c>).</summary>
    public static string Mark(string snippet, IReadOnlyList<TextRange> highlights, string open, string close)
    {
        var builder = new StringBuilder(snippet.Length + highlights.Count * (open.Length + close.Length));
        var at = 0;
        foreach (var range in highlights.OrderBy(h => h.Start))
        {
            if (range.Start < at)
            {
                continue;
            }
            builder.Append(snippet, at, range.Start - at).Append(open).Append(snippet, range.Start, range.Length).Append(close);
            at = range.Start + range.Length;
        }
        return builder.Append(snippet, at, snippet.Length - at).ToString();
    }

    private static List<TextRange> Matches(string text, IReadOnlyList<string> terms)
    {
        var stems = terms.Select(QueryTerms.Stem).Distinct().ToList();
        var matches = new List<TextRange>();
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetterOrDigit(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
            {
                i++;
            }
            var word = text.AsSpan(start, i - start);
            foreach (var stem in stems)
            {
                if (word.StartsWith(stem, StringComparison.OrdinalIgnoreCase) && word.Length <= stem.Length + 4)
                {
                    matches.Add(new TextRange(start, i - start));
                    break;
                }
            }
        }
        return matches;
    }

    private static string Collapse(string body)
    {
        var builder = new StringBuilder(body.Length);
        var space = false;
        foreach (var c in body)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }
            if (space)
            {
                builder.Append(' ');
                space = false;
            }
            builder.Append(c);
        }
        return builder.ToString();
    }
}
