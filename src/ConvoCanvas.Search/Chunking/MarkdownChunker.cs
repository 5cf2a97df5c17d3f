using System.Text;
using ConvoCanvas.Ingest.Vault;
using ConvoCanvas.Search.Embeddings;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ConvoCanvas.Search.Chunking;

/// <summary>
/// Chunks a vault note along its markdown structure: a chunk never spans two headings' sections;
/// code blocks, lists, tables and quotes stay whole when they fit; small blocks of one section are
/// packed together. Each chunk starts with "Title &gt; Heading &gt; Sub-heading" and a blank line.
/// </summary>
public sealed class MarkdownChunker
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePreciseSourceLocation().UsePipeTables().Build();
    private readonly TextSplitter splitter;
    private readonly ChunkingOptions options;

    /// <summary>Counts with the embedder's tokenizer; chunks are at most the smaller of the options' and the embedder's MaxTokens.</summary>
    public MarkdownChunker(IEmbedder embedder, ChunkingOptions? options = null)
        : this(embedder.CountTokens, Fit(options ?? new ChunkingOptions(), embedder.MaxTokens))
    {
    }

    public MarkdownChunker(Func<string, int> countTokens, ChunkingOptions? options = null)
    {
        this.options = options ?? new ChunkingOptions();
        this.options.Validate();
        splitter = new TextSplitter(countTokens);
    }

    /// <param name="vault">The vault's name: with the note's path it makes the source id <c>{vault}/{path}</c>.</param>
    public ChunkedSource Chunk(VaultNote note, string vault)
    {
        var created = note.Dates.Created ?? note.Dates.Date ?? note.Dates.DailyNote;
        var source = new SearchSource(
            SourceKind.Note,
            $"{vault}/{note.Path}",
            note.Title,
            vault,
            vault,
            note.Path,
            note.Tags,
            created is { } c ? new DateTimeOffset(c.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            note.Dates.Updated is { } u ? new DateTimeOffset(u.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            Model: null);

        var assembler = new ChunkAssembler(source.SourceId, splitter, options);
        foreach (var section in Sections(note))
        {
            var label = section.Path.Count == 0 ? note.Title : $"{note.Title} > {string.Join(" > ", section.Path)}";
            var heading = section.Path.Count == 0 ? null : string.Join(" > ", section.Path);
            var content = string.Join("\n\n", section.Blocks);

            // A section with next to no text joins the chunk before it, its heading kept as a line.
            if (assembler.HasOpenChunk && section.Heading is not null && splitter.Count(content) < options.MinTokens
                && assembler.TryAppendToOpen($"{new string('#', section.Level)} {section.Heading}\n\n{content}"))
            {
                continue;
            }

            assembler.Flush();
            var prefix = assembler.Prefix(label);
            foreach (var block in section.Blocks) assembler.Add(prefix, section.Anchor, heading, block);
        }

        assembler.Flush();
        return new ChunkedSource(source, assembler.Chunks);
    }

    private sealed record Section(string? Heading, int Level, string? Anchor, IReadOnlyList<string> Path, List<string> Blocks);

    /// <summary>The note's body cut at every top-level heading, each part's blocks as markdown source.</summary>
    private static List<Section> Sections(VaultNote note)
    {
        var body = note.Body;
        var document = Markdown.Parse(body, Pipeline);

        // The parser found the same headings in the same order (nested ones too): reuse its anchors,
        // so a chunk's anchor is the one the note's grain and links use.
        var allHeadings = document.Descendants<HeadingBlock>().ToList();
        var useNoteAnchors = allHeadings.Count == note.Headings.Count;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);

        var sections = new List<Section> { new(null, 0, null, [], []) };
        var stack = new List<(int Level, string Text)>();
        foreach (var block in document)
        {
            switch (block)
            {
                case HeadingBlock heading:
                {
                    var index = allHeadings.IndexOf(heading);
                    var text = useNoteAnchors ? note.Headings[index].Text : HeadingText(heading);
                    var anchor = useNoteAnchors ? note.Headings[index].Anchor : UniqueSlug(text, seen);
                    stack.RemoveAll(h => h.Level >= heading.Level);
                    stack.Add((heading.Level, text));
                    // The level-1 heading that is the title would only repeat it.
                    var path = stack.Where(h => !(h.Level == 1 && string.Equals(h.Text, note.Title, StringComparison.Ordinal)) && h.Text.Length > 0)
                        .Select(h => h.Text).ToList();
                    sections.Add(new Section(text, heading.Level, anchor.Length > 0 ? "#" + anchor : null, path, []));
                    break;
                }
                case LinkReferenceDefinitionGroup or ThematicBreakBlock or BlankLineBlock:
                    break;
                default:
                {
                    if (block.Span.Length <= 0) break;
                    var start = Math.Clamp(block.Span.Start, 0, body.Length);
                    var source = body.Substring(start, Math.Min(block.Span.Length, body.Length - start)).Trim('\r', '\n').TrimEnd();
                    if (source.Length == 0 || (block is HtmlBlock && source.StartsWith("<!--", StringComparison.Ordinal) && source.EndsWith("-->", StringComparison.Ordinal))) break;
                    sections[^1].Blocks.Add(source);
                    break;
                }
            }
        }

        return sections.Where(s => s.Blocks.Count > 0).ToList();
    }

    /// <summary>The markdown source of each top-level block, headings included, in order.</summary>
    internal static List<string> TopLevelBlocks(string markdown)
    {
        var blocks = new List<string>();
        foreach (var block in Markdown.Parse(markdown, Pipeline))
        {
            if (block is LinkReferenceDefinitionGroup or BlankLineBlock || block.Span.Length <= 0) continue;
            var start = Math.Clamp(block.Span.Start, 0, markdown.Length);
            var source = markdown.Substring(start, Math.Min(block.Span.Length, markdown.Length - start)).Trim('\r', '\n').TrimEnd();
            if (source.Length > 0) blocks.Add(source);
        }

        return blocks;
    }

    private static string HeadingText(HeadingBlock heading)
    {
        var builder = new StringBuilder();
        if (heading.Inline is null) return "";
        foreach (var inline in heading.Inline.Descendants<Inline>())
        {
            switch (inline)
            {
                case LiteralInline literal: builder.Append(literal.Content.ToString()); break;
                case CodeInline code: builder.Append(code.Content); break;
                case LineBreakInline: builder.Append(' '); break;
            }
        }

        return builder.ToString().Trim();
    }

    /// <summary>GitHub's and Obsidian's anchor: lower case, spaces to hyphens, punctuation dropped, repeats numbered.</summary>
    internal static string UniqueSlug(string text, Dictionary<string, int> seen)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_') builder.Append(c);
            else if (char.IsWhiteSpace(c)) builder.Append('-');
        }

        var slug = builder.ToString();
        if (!seen.TryGetValue(slug, out var count))
        {
            seen[slug] = 1;
            return slug;
        }

        seen[slug] = count + 1;
        return $"{slug}-{count}";
    }

    internal static ChunkingOptions Fit(ChunkingOptions options, int modelMaxTokens)
    {
        if (options.MaxTokens <= modelMaxTokens) return options;
        return options with
        {
            MaxTokens = modelMaxTokens,
            OverlapTokens = Math.Min(options.OverlapTokens, modelMaxTokens / 4),
            MinTokens = Math.Min(options.MinTokens, modelMaxTokens / 2),
        };
    }
}
