using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ConvoCanvas.Ingest.Vault;

/// <summary>
/// Parses one Obsidian-style markdown note. Markdig finds the structure (headings, code, links);
/// Obsidian's own syntax (wikilinks, embeds, inline tags) is found in the text that remains once
/// code and, for tags, headings and link targets are blanked out, so offsets stay aligned.
/// </summary>
public static partial class VaultNoteParser
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePreciseSourceLocation().Build();
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static VaultNote Parse(string relativePath, Stream content)
    {
        using var buffer = new MemoryStream();
        content.CopyTo(buffer);
        return Parse(relativePath, buffer.ToArray());
    }

    /// <exception cref="VaultFileException">The path is unsafe, or the bytes are binary or not UTF-8.</exception>
    public static VaultNote Parse(string relativePath, byte[] content)
    {
        var path = VaultPath.Normalise(relativePath);
        var text = Decode(content);
        var warnings = new List<string>();
        var (yaml, body) = SplitFrontmatter(text);
        var frontmatter = yaml is null ? new Dictionary<string, FrontmatterValue>() : Frontmatter.Parse(yaml, warnings);

        var document = Markdown.Parse(body, Pipeline);
        var code = new List<(int Start, int End)>();
        var headingSpans = new List<(int Start, int End)>();
        var linkTargets = new List<(int Start, int End)>();
        var headings = new List<NoteHeading>();
        var anchors = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in document.Descendants())
        {
            switch (node)
            {
                case CodeBlock block: code.Add((block.Span.Start, block.Span.End)); break;
                case HtmlBlock html: code.Add((html.Span.Start, html.Span.End)); break;
                case CodeInline inline: code.Add((inline.Span.Start, inline.Span.End)); break;
                case AutolinkInline auto: linkTargets.Add((auto.Span.Start, auto.Span.End)); break;
                case LinkInline link when link.UrlSpan.Length > 0: linkTargets.Add((link.UrlSpan.Start, link.UrlSpan.End)); break;
                case HeadingBlock heading:
                    headingSpans.Add((heading.Span.Start, heading.Span.End));
                    var headingText = InlineText(heading.Inline).Trim();
                    headings.Add(new NoteHeading(heading.Level, headingText, UniqueAnchor(headingText, anchors)));
                    break;
            }
        }

        var withoutCode = Blank(body, code);
        var (links, embeds) = FindWikiLinks(withoutCode, inFrontmatter: false);
        foreach (var value in frontmatter.Values.SelectMany(v => v.Values))
            links.AddRange(FindWikiLinks(value, inFrontmatter: true).Links);

        var tagText = Blank(withoutCode, [.. headingSpans, .. linkTargets]);
        var tags = FrontmatterTags(frontmatter).Concat(InlineTags(tagText)).Distinct(StringComparer.Ordinal).ToList();

        var fileStem = System.IO.Path.GetFileNameWithoutExtension(path);
        var title = frontmatter.TryGetValue("title", out var t) && !t.IsList && t.Text.Length > 0 ? t.Text
            : headings.FirstOrDefault(h => h.Level == 1)?.Text is { Length: > 0 } h1 ? h1
            : fileStem;

        return new VaultNote
        {
            Path = path,
            Title = title,
            ContentHash = Convert.ToHexStringLower(SHA256.HashData(content)),
            Frontmatter = frontmatter,
            Tags = tags,
            Links = links,
            Embeds = embeds,
            Headings = headings,
            Dates = new NoteDates
            {
                Created = DateOf(frontmatter, "created"),
                Updated = DateOf(frontmatter, "updated") ?? DateOf(frontmatter, "modified"),
                Date = DateOf(frontmatter, "date"),
                DailyNote = DateOnly.TryParseExact(fileStem, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null,
            },
            Body = body,
            Warnings = warnings,
        };
    }

    /// <summary>Rejects what would be garbage as text, before any of it is indexed.</summary>
    internal static string Decode(byte[] content)
    {
        var nul = Array.IndexOf(content, (byte)0);
        if (nul >= 0) throw new VaultFileException($"binary file (NUL byte at offset {nul:N0})");
        try
        {
            var text = StrictUtf8.GetString(content);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException e)
        {
            throw new VaultFileException($"not valid UTF-8 (bad byte at offset {e.Index:N0})");
        }
    }

    /// <summary>Frontmatter is a <c>---</c> fence on the very first line, closed by <c>---</c> or <c>...</c>; unclosed, it is body.</summary>
    internal static (string? Yaml, string Body) SplitFrontmatter(string text)
    {
        var firstEnd = text.IndexOf('\n');
        if (firstEnd < 0 || text[..firstEnd].TrimEnd('\r', ' ', '\t') != "---") return (null, text);
        var position = firstEnd + 1;
        while (position <= text.Length)
        {
            var end = text.IndexOf('\n', position);
            var line = (end < 0 ? text[position..] : text[position..end]).TrimEnd('\r', ' ', '\t');
            if (line is "---" or "...")
                return (text[(firstEnd + 1)..position], end < 0 ? "" : text[(end + 1)..]);
            if (end < 0) break;
            position = end + 1;
        }

        return (null, text);
    }

    private static (List<WikiLink> Links, List<WikiLink> Embeds) FindWikiLinks(string text, bool inFrontmatter)
    {
        var links = new List<WikiLink>();
        var embeds = new List<WikiLink>();
        foreach (Match match in WikiLinkPattern().Matches(text))
        {
            var target = match.Groups["target"].Value.Trim().TrimEnd('\\');
            var heading = match.Groups["heading"].Success ? match.Groups["heading"].Value.Trim().TrimEnd('\\') : null;
            var alias = match.Groups["alias"].Success ? match.Groups["alias"].Value.Trim() : null;
            if (target.Length == 0 && string.IsNullOrEmpty(heading)) continue;
            var link = new WikiLink(target, heading, alias, inFrontmatter);
            (match.Groups["embed"].Success ? embeds : links).Add(link);
        }

        return (links, embeds);
    }

    private static IEnumerable<string> FrontmatterTags(Dictionary<string, FrontmatterValue> frontmatter)
    {
        foreach (var key in new[] { "tags", "tag" })
        {
            if (!frontmatter.TryGetValue(key, out var value)) continue;
            // A string value may hold several tags: "a, b" or "a b".
            var parts = value.IsList ? value.Values : value.Text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
            foreach (var part in parts)
            {
                var tag = part.Trim().TrimStart('#').Trim().ToLowerInvariant();
                if (tag.Length > 0) yield return tag;
            }
        }
    }

    private static IEnumerable<string> InlineTags(string text)
    {
        foreach (Match match in InlineTagPattern().Matches(text))
        {
            var tag = match.Groups["tag"].Value.TrimEnd('/');
            if (tag.Length == 0 || tag.All(char.IsAsciiDigit)) continue; // "#123" is an issue number, not a tag
            yield return tag.ToLowerInvariant();
        }
    }

    private static DateOnly? DateOf(Dictionary<string, FrontmatterValue> frontmatter, string key)
    {
        var entry = frontmatter.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));
        if (entry.Value is not { IsList: false } value || value.Text.Length < 10) return null;
        return DateOnly.TryParseExact(value.Text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
    }

    /// <summary>Replaces the given spans with spaces (keeping newlines), so later patterns cannot match inside them.</summary>
    private static string Blank(string text, IEnumerable<(int Start, int End)> spans)
    {
        var chars = text.ToCharArray();
        foreach (var (start, end) in spans)
            for (var i = Math.Max(0, start); i <= end && i < chars.Length; i++)
                if (chars[i] is not ('\n' or '\r')) chars[i] = ' ';
        return new string(chars);
    }

    private static string InlineText(ContainerInline? container)
    {
        if (container is null) return "";
        var builder = new StringBuilder();
        foreach (var inline in container.Descendants<Inline>())
        {
            switch (inline)
            {
                case LiteralInline literal: builder.Append(literal.Content.ToString()); break;
                case CodeInline code: builder.Append(code.Content); break;
                case LineBreakInline: builder.Append(' '); break;
            }
        }

        return builder.ToString();
    }

    internal static string Slug(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_') builder.Append(c);
            else if (char.IsWhiteSpace(c)) builder.Append('-');
        }

        return builder.ToString();
    }

    private static string UniqueAnchor(string text, Dictionary<string, int> seen)
    {
        var slug = Slug(text);
        if (!seen.TryGetValue(slug, out var count))
        {
            seen[slug] = 1;
            return slug;
        }

        seen[slug] = count + 1;
        return $"{slug}-{count}";
    }

    [GeneratedRegex(@"(?<embed>!)?\[\[(?<target>[^\[\]|#\n]*)(?:#(?<heading>[^\[\]|\n]*))?(?:\|(?<alias>[^\[\]\n]*))?\]\]")]
    private static partial Regex WikiLinkPattern();

    /// <summary>Obsidian's rule: <c>#</c> after a space or line start, then letters, digits, <c>_ - /</c> (emoji too).</summary>
    [GeneratedRegex(@"(?<=^|\s)#(?<tag>[\p{L}\p{N}\p{M}\p{So}\p{Cs}_\-/]+)", RegexOptions.Multiline)]
    private static partial Regex InlineTagPattern();
}
