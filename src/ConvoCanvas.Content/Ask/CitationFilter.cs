using System.Globalization;
using System.Text;

namespace ConvoCanvas.Content.Ask;

/// <summary>
/// Checks the <c>[n]</c> citations of a model's answer as it streams. A citation is a bracket of numbers
/// (<c>[2]</c>, <c>[1, 3]</c>) that does not follow a letter or digit (so <c>items[0]</c> is code, not a
/// citation) and is not a markdown link (<c>[1](…)</c>). Numbers outside 1..<see cref="EvidenceCount"/>
/// point at nothing: they are removed with the space before them and counted; the rest are kept and
/// recorded in the order they were first used. Text that may still become a citation is held back
/// until the next piece (or <see cref="Finish"/>) decides it, so what is emitted never changes.
/// </summary>
public sealed class CitationFilter(int evidenceCount)
{
    /// <summary>Longest bracket still read as a citation; longer ones are plain text.</summary>
    private const int MaxBracketLength = 200;

    private readonly StringBuilder _pending = new();
    private readonly List<int> _used = [];
    private char _previous = '\n';

    /// <summary>White space before a removed citation that another citation follows at once (<c>x [9][1]</c> → <c>x [1]</c>).</summary>
    private string _carried = "";

    /// <summary>The last thing read was a citation (kept or removed), nothing after it yet.</summary>
    private bool _afterCitation;

    /// <summary>Inside a backtick code span or fence.</summary>
    private bool _inCode;

    public int EvidenceCount { get; } = evidenceCount;

    /// <summary>How a kept citation is written (for example as markdown footnotes); null keeps the model's own bracket.</summary>
    public Func<IReadOnlyList<int>, string>? Render { get; init; }

    /// <summary>Citation numbers that point at evidence, in the order first cited.</summary>
    public IReadOnlyList<int> Used => _used;

    /// <summary>Citation numbers removed because no evidence has that number.</summary>
    public int Removed { get; private set; }

    /// <summary>Takes the next piece of the answer and returns the text that is now certain (possibly empty).</summary>
    public string Append(string piece)
    {
        _pending.Append(piece);
        return Drain(final: false);
    }

    /// <summary>The end of the answer: whatever was held back, decided.</summary>
    public string Finish() => Drain(final: true);

    /// <summary>Cleans a whole answer at once.</summary>
    public static (string Text, IReadOnlyList<int> Used, int Removed) Clean(string answer, int evidenceCount)
    {
        var filter = new CitationFilter(evidenceCount);
        var text = filter.Append(answer) + filter.Finish();
        return (text, filter.Used, filter.Removed);
    }

    /// <summary>
    /// The final text of an answer: cleaned again until nothing is removed, for the rare text where taking
    /// a citation out joins brackets into a new one (<c>[1 [9]]</c>). Every <c>[n]</c> left points at evidence.
    /// </summary>
    public static (string Text, IReadOnlyList<int> Used, int Removed) Settle(string answer, int evidenceCount)
    {
        var (text, used, removed) = Clean(answer, evidenceCount);
        while (true)
        {
            var again = Clean(text, evidenceCount);
            if (again.Removed == 0)
            {
                return (again.Text, again.Used, removed);
            }
            (text, removed) = (again.Text, removed + again.Removed);
        }
    }

    /// <summary>
    /// An answer as plain text and citations, read by the same rules as the filter (chained <c>[1][2]</c>,
    /// lists, nothing in code or links), for a page that links each citation to its evidence. Citations
    /// that point at nothing are dropped, as the filter drops them.
    /// </summary>
    public static IEnumerable<(string Text, IReadOnlyList<int>? Citation)> Segments(string answer, int evidenceCount)
    {
        // The filter writes each kept citation between two marks that cannot come from the text.
        const char open = '\uE000', close = '\uE001';
        var safe = answer.Replace(open, ' ').Replace(close, ' ');
        var filter = new CitationFilter(evidenceCount) { Render = numbers => $"{open}{string.Join(',', numbers)}{close}" };
        var marked = filter.Append(safe) + filter.Finish();
        var at = 0;
        while (at < marked.Length)
        {
            var start = marked.IndexOf(open, at);
            if (start < 0)
            {
                yield return (marked[at..], null);
                yield break;
            }
            if (start > at)
            {
                yield return (marked[at..start], null);
            }
            var end = marked.IndexOf(close, start);
            yield return ("", marked[(start + 1)..end].Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList());
            at = end + 1;
        }
    }

    private string Drain(bool final)
    {
        var text = _pending.ToString();
        var output = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            // A run of white space is held until what follows it is known: a removed citation takes it along.
            var space = i;
            while (space < text.Length && char.IsWhiteSpace(text[space]))
            {
                space++;
            }
            if (space == text.Length)
            {
                if (!final)
                {
                    break;
                }
                Emit(output, text, i, space);
                i = space;
                break;
            }
            if (text[space] != '[' || !MayStartCitation(space > i))
            {
                Emit(output, text, i, space + 1);
                i = space + 1;
                continue;
            }
            switch (ReadBracket(text, space, final, out var end, out var numbers))
            {
                case Bracket.Undecided:
                    _pending.Clear().Append(text, i, text.Length - i);
                    return output.ToString();
                case Bracket.Text:
                    Emit(output, text, i, space + 1);
                    i = space + 1;
                    continue;
            }
            var kept = numbers.Where(n => n >= 1 && n <= EvidenceCount).Distinct().ToList();
            Removed += numbers.Count - numbers.Count(n => n >= 1 && n <= EvidenceCount);
            foreach (var n in kept.Where(n => !_used.Contains(n)))
            {
                _used.Add(n);
            }
            if (kept.Count == 0)
            {
                // Nothing left to cite: the bracket goes, and the spaces before it (line breaks stay),
                // unless another citation follows at once and needs them.
                var before = _carried + text[i..space];
                if (end < text.Length && text[end] == '[')
                {
                    _carried = before;
                }
                else
                {
                    _carried = "";
                    var lineBreak = before.LastIndexOf('\n');
                    if (lineBreak >= 0)
                    {
                        output.Append(before, 0, lineBreak + 1);
                        _previous = '\n';
                    }
                }
                _afterCitation = true;
                i = end;
                continue;
            }
            Emit(output, text, i, space);
            var citation = Render is { } render ? render(kept)
                : kept.Count == numbers.Count ? text[space..end]
                : $"[{string.Join(", ", kept.Select(n => n.ToString(CultureInfo.InvariantCulture)))}]";
            output.Append(citation);
            _previous = ']';
            _afterCitation = true;
            i = end;
        }
        _pending.Clear().Append(text, i, text.Length - i);
        return output.ToString();
    }

    private void Emit(StringBuilder output, string text, int from, int to)
    {
        if (_carried.Length > 0)
        {
            output.Append(_carried);
            _carried = "";
        }
        for (var k = from; k < to; k++)
        {
            // Inside `code` (a fence's three backticks toggle it an odd number of times too) nothing is a citation.
            if (text[k] == '`')
            {
                _inCode = !_inCode;
            }
            if (!char.IsWhiteSpace(text[k]))
            {
                _afterCitation = false;
            }
        }
        if (to > from)
        {
            output.Append(text, from, to - from);
            _previous = text[to - 1];
        }
    }

    /// <summary>
    /// Whether a <c>[</c> here may open a citation: not in code, and after white space, after a citation
    /// (<c>[1][2]</c>), or after anything but a letter, a digit, <c>_</c> or a bracket (so <c>items[0]</c>,
    /// <c>m[0][2]</c> and <c>[[1]]</c> are text).
    /// </summary>
    private bool MayStartCitation(bool afterSpace) =>
        !_inCode && (afterSpace || _afterCitation || !(IsWordCharacter(_previous) || _previous is '[' or ']'));

    private enum Bracket { Citation, Text, Undecided }

    /// <summary>Reads <c>[1, 2]</c> at <paramref name="start"/>; <paramref name="end"/> is just after the closing bracket.</summary>
    private static Bracket ReadBracket(string text, int start, bool final, out int end, out List<int> numbers)
    {
        numbers = [];
        end = start;
        var j = start + 1;
        var digits = 0;
        var value = 0L;
        var spaced = false;
        while (j < text.Length && j - start <= MaxBracketLength)
        {
            var c = text[j];
            if (c is >= '0' and <= '9')
            {
                if (spaced)
                {
                    // [1 2]: two numbers without a comma are not a citation.
                    return Bracket.Text;
                }
                value = Math.Min(value * 10 + (c - '0'), int.MaxValue);
                digits++;
            }
            else if (c == ' ')
            {
                spaced = digits > 0;
            }
            else if (c == ',')
            {
                if (digits == 0)
                {
                    return Bracket.Text;
                }
                numbers.Add((int)value);
                value = 0;
                digits = 0;
                spaced = false;
            }
            else if (c == ']')
            {
                if (digits == 0)
                {
                    return Bracket.Text;
                }
                numbers.Add((int)value);
                end = j + 1;
                if (end == text.Length)
                {
                    // A markdown link would go on with '(' .
                    return final ? Bracket.Citation : Bracket.Undecided;
                }
                return text[end] == '(' ? Bracket.Text : Bracket.Citation;
            }
            else
            {
                return Bracket.Text;
            }
            j++;
        }
        return j == text.Length && j - start <= MaxBracketLength && !final ? Bracket.Undecided : Bracket.Text;
    }

    private static bool IsWordCharacter(char c) => char.IsLetterOrDigit(c) || c == '_';
}
