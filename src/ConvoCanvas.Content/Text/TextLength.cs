using System.Globalization;
using System.Text;

namespace ConvoCanvas.Content.Text;

/// <summary>
/// Lengths as people count them: user-perceived characters (extended grapheme clusters), so an emoji
/// with its modifiers, a flag or a letter with combining marks is one, as LinkedIn and X count them.
/// </summary>
public static class TextLength
{
    public static int Count(string text) => new StringInfo(text).LengthInTextElements;

    /// <summary>
    /// At most <paramref name="limit"/> user-perceived characters: the text itself if it fits; else cut
    /// after the last whole sentence that fits; else after the last whole word, with an ellipsis; never
    /// inside a character.
    /// </summary>
    public static string Fit(string text, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        text = text.Trim();
        var info = new StringInfo(text);
        if (info.LengthInTextElements <= limit)
        {
            return text;
        }
        var head = info.SubstringByTextElements(0, limit);
        var sentence = LastSentenceEnd(head, text);
        if (sentence >= head.Length / 3)
        {
            return head[..sentence].TrimEnd();
        }
        // No sentence ends late enough: whole words and an ellipsis (which counts as one).
        var words = info.SubstringByTextElements(0, limit - 1);
        var space = words.LastIndexOf(' ');
        var cut = space > words.Length / 3 ? words[..space] : words;
        return cut.TrimEnd(' ', ',', ';', ':', '-') + "…";
    }

    /// <summary>Index just after the last sentence end (<c>.</c>, <c>!</c>, <c>?</c>, or a line break) followed by white space or the end.</summary>
    private static int LastSentenceEnd(string head, string whole)
    {
        for (var i = head.Length - 1; i > 0; i--)
        {
            var c = head[i];
            if (c == '\n')
            {
                return i;
            }
            // What follows is read in the whole text: "3." cut from "3.14" does not end a sentence.
            if (c is '.' or '!' or '?' or '…' or '。' or '！' or '？' && (i + 1 >= whole.Length || char.IsWhiteSpace(whole[i + 1]) || c is '。' or '！' or '？'))
            {
                return i + 1;
            }
        }
        return 0;
    }

    /// <summary>Accented Latin letters as plain ones (the silo runs without ICU, so no Unicode decomposition).</summary>
    private static string? Latin(char c) => c switch
    {
        'à' or 'á' or 'â' or 'ã' or 'ä' or 'å' or 'ā' or 'ă' or 'ą' => "a",
        'ç' or 'ć' or 'č' => "c",
        'ď' or 'đ' => "d",
        'è' or 'é' or 'ê' or 'ë' or 'ē' or 'ė' or 'ę' or 'ě' => "e",
        'ì' or 'í' or 'î' or 'ï' or 'ī' or 'į' => "i",
        'ł' or 'ľ' => "l",
        'ñ' or 'ń' or 'ň' => "n",
        'ò' or 'ó' or 'ô' or 'õ' or 'ö' or 'ø' or 'ō' or 'ő' => "o",
        'ř' => "r",
        'ś' or 'š' or 'ş' => "s",
        'ť' or 'ţ' => "t",
        'ù' or 'ú' or 'û' or 'ü' or 'ū' or 'ů' or 'ű' => "u",
        'ý' or 'ÿ' => "y",
        'ź' or 'ż' or 'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => null,
    };

    /// <summary>A slug for file names and keys: lower-case ASCII letters and digits joined by single hyphens.</summary>
    public static string Slug(string text, int max = 60)
    {
        var slug = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                slug.Append(c);
            }
            else if (Latin(c) is { } folded)
            {
                slug.Append(folded);
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark && slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
            if (slug.Length >= max)
            {
                break;
            }
        }
        var result = slug.ToString().Trim('-');
        return result.Length == 0 ? "series" : result;
    }
}
