using ConvoCanvas.Search.Chunking;
using ConvoCanvas.Search.Embeddings;
using ConvoCanvas.Search.Tests.Embeddings;

namespace ConvoCanvas.Search.Tests.Chunking;

[Collection(MiniLmCollection.Name)]
public sealed class MarkdownChunkerTests(MiniLmFixture fixture)
{
    private readonly MiniLmEmbedder embedder = fixture.Embedder;
    private MarkdownChunker Chunker(ChunkingOptions? options = null) => new(embedder, options);

    [Fact]
    public void Source_carries_the_notes_metadata()
    {
        var note = Notes.Parse("---\ntags: [work, k8s]\ncreated: 2024-03-01\nupdated: 2024-04-02\n---\n# Deploy notes\n\n" + Notes.Prose(40), "Projects/Deploy.md");

        var (source, chunks) = Chunker().Chunk(note, "main");

        var expected = new SearchSource(SourceKind.Note, "main/Projects/Deploy.md", "Deploy notes", "main", "main", "Projects/Deploy.md", source.Tags,
            new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 4, 2, 0, 0, 0, TimeSpan.Zero), null);
        Assert.Equal(expected, source);
        Assert.Equal(["work", "k8s"], source.Tags);
        var chunk = Assert.Single(chunks);
        Assert.Equal("main/Projects/Deploy.md", chunk.SourceId);
        Assert.Equal(0, chunk.Ordinal);
    }

    [Fact]
    public void Headings_give_anchors_heading_paths_and_the_text_prefix()
    {
        var note = Notes.Parse($"# Handbook\n\n{Notes.Prose(40, 1)}\n\n## Setup Steps\n\n{Notes.Prose(40, 2)}\n\n### On Linux (Debian)\n\n{Notes.Prose(40, 3)}\n\n## Setup Steps\n\n{Notes.Prose(40, 4)}\n");

        var chunks = Chunker().Chunk(note, "v").Chunks;

        Assert.Equal(["#handbook", "#setup-steps", "#on-linux-debian", "#setup-steps-1"], chunks.Select(c => c.Anchor));
        Assert.Equal([null, "Setup Steps", "Setup Steps > On Linux (Debian)", "Setup Steps"], chunks.Select(c => c.Heading));
        Assert.StartsWith("Handbook\n\n", chunks[0].Text);
        Assert.StartsWith("Handbook > Setup Steps > On Linux (Debian)\n\n", chunks[2].Text);
        Assert.DoesNotContain("#", chunks[1].Text);
    }

    [Fact]
    public void Text_before_the_first_heading_has_no_anchor()
    {
        var chunks = Chunker().Chunk(Notes.Parse($"{Notes.Prose(40)}\n\n## Later\n\n{Notes.Prose(40, 1)}", "Plain.md"), "v").Chunks;

        Assert.Null(chunks[0].Anchor);
        Assert.Null(chunks[0].Heading);
        Assert.StartsWith("Plain\n\n", chunks[0].Text);
        Assert.Equal("#later", chunks[1].Anchor);
    }

    [Fact]
    public void A_code_block_that_fits_is_never_split()
    {
        var code = "```csharp\n" + string.Join('\n', Enumerable.Range(0, 16).Select(i => $"var value{i} = Compute({i}, \"x\");")) + "\n```";
        Assert.InRange(embedder.CountTokens(code), 150, 240);
        var note = Notes.Parse($"# Code\n\n{Notes.Prose(120)}\n\n{code}\n\n{Notes.Prose(120, 1)}\n");

        var chunks = Chunker().Chunk(note, "v").Chunks;

        Assert.Single(chunks, c => c.Text.Contains(code, StringComparison.Ordinal));
        Assert.All(chunks, c => Assert.True(c.Tokens <= 256));
    }

    [Fact]
    public void A_code_block_too_big_for_a_chunk_is_split_between_lines_into_fenced_pieces()
    {
        var lines = Enumerable.Range(0, 120).Select(i => $"    total += Measure(sample[{i}], \"case {i}\");").ToList();
        var note = Notes.Parse($"# Big code\n\n```python\n{string.Join('\n', lines)}\n```\n");

        var chunks = Chunker().Chunk(note, "v").Chunks;

        Assert.True(chunks.Count > 2);
        foreach (var chunk in chunks)
        {
            Assert.True(chunk.Tokens <= 256);
            Assert.StartsWith("Big code\n\n```python\n    total += ", chunk.Text);
            Assert.EndsWith("\");\n```", chunk.Text);
        }

        // Every line exactly once, in order.
        var code = chunks.SelectMany(c => c.Text.Split('\n').Where(l => l.StartsWith("    total", StringComparison.Ordinal))).ToList();
        Assert.Equal(lines, code);
    }

    [Fact]
    public void Small_blocks_of_a_section_are_packed_together()
    {
        var note = Notes.Parse($"# Packed\n\n{Notes.Prose(20)}\n\n- one\n- two\n\n{Notes.Prose(20, 1)}\n\n> a quote\n");

        var chunk = Assert.Single(Chunker().Chunk(note, "v").Chunks);

        Assert.Contains("- one\n- two", chunk.Text);
        Assert.EndsWith("> a quote", chunk.Text);
    }

    [Fact]
    public void A_section_with_next_to_no_text_joins_the_chunk_before()
    {
        var note = Notes.Parse($"# Main\n\n{Notes.Prose(60)}\n\n## See also\n\nThe manual.\n");

        var chunk = Assert.Single(Chunker().Chunk(note, "v").Chunks);

        Assert.Contains("## See also\n\nThe manual.", chunk.Text);
        Assert.Equal("#main", chunk.Anchor);
    }

    [Fact]
    public void A_long_paragraph_is_split_with_overlap_and_every_piece_fits()
    {
        var paragraph = Notes.Prose(900);
        var chunks = Chunker().Chunk(Notes.Parse($"# Long\n\n{paragraph}\n"), "v").Chunks;

        Assert.True(chunks.Count >= 4);
        Assert.All(chunks, c => Assert.InRange(c.Tokens, 1, 256));
        Assert.All(chunks, c => Assert.Equal(embedder.CountTokens(c.Text), c.Tokens));
        Assert.All(chunks, c => Assert.StartsWith("Long\n\n", c.Text));
        // Each piece after the first starts with the last words of the one before.
        for (var i = 1; i < chunks.Count; i++)
        {
            var previousWords = chunks[i - 1].Text.Split(' ');
            Assert.Contains(string.Join(' ', previousWords[^3..]), chunks[i].Text[..400]);
        }
    }

    [Fact]
    public void A_huge_single_line_is_split_within_the_limit()
    {
        var words = string.Join(' ', Enumerable.Range(0, 20_000).Select(i => $"w{i}"));
        var blob = new string('A', 30_000) + string.Concat(Enumerable.Range(0, 3000).Select(i => $"{i:x}-"));
        var note = Notes.Parse($"# Huge\n\n{words}\n\n{blob}\n");

        var chunks = Chunker().Chunk(note, "v").Chunks;

        Assert.All(chunks, c => Assert.True(c.Tokens <= 256 && embedder.CountTokens(c.Text) <= 256, $"chunk {c.Ordinal}: {c.Tokens} tokens"));
        Assert.Contains(chunks, c => c.Text.Contains("w19999", StringComparison.Ordinal));
        Assert.Contains(chunks, c => c.Text.Contains("bb7-", StringComparison.Ordinal));
    }

    [Fact]
    public void Empty_notes_give_no_chunks()
    {
        Assert.Empty(Chunker().Chunk(Notes.Parse(""), "v").Chunks);
        Assert.Empty(Chunker().Chunk(Notes.Parse("  \n\n\t\n"), "v").Chunks);
        Assert.Empty(Chunker().Chunk(Notes.Parse("---\ntitle: Only properties\n---\n"), "v").Chunks);
        Assert.Empty(Chunker().Chunk(Notes.Parse("# Just a heading\n\n## And another\n"), "v").Chunks);
    }

    [Fact]
    public void Frontmatter_is_not_in_the_text()
    {
        var chunks = Chunker().Chunk(Notes.Parse("---\ntitle: Secret plans\napi_key: zzzz-1234\n---\nThe body text.\n"), "v").Chunks;

        var chunk = Assert.Single(chunks);
        Assert.Equal("Secret plans\n\nThe body text.", chunk.Text);
        Assert.Equal(Chunk.Hash(chunk.Text), chunk.ContentHash);
        Assert.Equal(32, chunk.ContentHash.Length);
    }

    [Fact]
    public void The_same_note_gives_the_same_chunks()
    {
        var markdown = $"# Again\n\n{Notes.Prose(500)}\n\n## Part\n\n```\n{Notes.Prose(50, 2)}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";

        var first = Chunker().Chunk(Notes.Parse(markdown), "v");
        var second = Chunker().Chunk(Notes.Parse(markdown), "v");

        Assert.Equal(first.Chunks, second.Chunks);
        Assert.Equal(first.Chunks.Select(c => c.Ordinal), Enumerable.Range(0, first.Chunks.Count));
    }

    [Fact]
    public void A_chunker_never_exceeds_the_embedders_limit()
    {
        var chunker = new MarkdownChunker(embedder, new ChunkingOptions { MaxTokens = 1000 });

        var chunks = chunker.Chunk(Notes.Parse(Notes.Prose(2000)), "v").Chunks;

        Assert.All(chunks, c => Assert.True(c.Tokens <= embedder.MaxTokens));
    }

    [Fact]
    public void A_counter_whose_counts_do_not_add_up_still_gets_chunks_within_the_limit()
    {
        // Characters over three, rounded up: joining two texts can cost one more than their sum.
        var chunker = new MarkdownChunker(t => (t.Length + 2) / 3, new ChunkingOptions { MaxTokens = 64, OverlapTokens = 8, MinTokens = 4 });
        var note = Notes.Parse($"# T\n\n{Notes.Prose(400)}\n\n- a\n- b\n\nc\n\nd\n\n```\n{Notes.Prose(100, 1)}\n```\n");

        var chunks = chunker.Chunk(note, "v").Chunks;

        Assert.All(chunks, c => Assert.True((c.Text.Length + 2) / 3 <= 64, $"chunk {c.Ordinal}: {c.Text.Length} characters"));
    }
}
