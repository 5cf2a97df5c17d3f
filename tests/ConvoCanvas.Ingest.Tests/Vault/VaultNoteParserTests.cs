using System.Text;
using ConvoCanvas.Ingest.Vault;

namespace ConvoCanvas.Ingest.Tests.Vault;

public sealed class VaultNoteParserTests
{
    private static readonly string Sample = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Vault", "sample");

    private static VaultNote ParseSample(string relative) =>
        VaultNoteParser.Parse(relative, File.ReadAllBytes(Path.Combine(Sample, relative)));

    private static VaultNote ParseText(string relative, string text) => VaultNoteParser.Parse(relative, Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("./Notes/a.md", "Notes/a.md")]
    [InlineData(@"Notes\sub\a.md", "Notes/sub/a.md")]
    [InlineData("Notes//./a.md", "Notes/a.md")]
    public void Paths_are_normalised(string given, string expected) => Assert.Equal(expected, ParseText(given, "x").Path);

    [Theory]
    [InlineData("../outside.md")]
    [InlineData("Notes/../../outside.md")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    public void Paths_that_leave_the_vault_are_rejected(string given) =>
        Assert.Throws<VaultFileException>(() => ParseText(given, "x"));

    [Fact]
    public void Frontmatter_becomes_strings_and_lists_with_nested_maps_flattened()
    {
        var note = ParseSample("Projects/Orleans plan.md");
        Assert.Equal("Orleans migration plan", note.Title);
        Assert.Equal(["Project", "#infra/k3s"], note.Frontmatter["tags"].Values);
        Assert.True(note.Frontmatter["tags"].IsList);
        Assert.Equal("2026-02-01", note.Frontmatter["created"].Text);
        Assert.Equal("Sam", note.Frontmatter["owner.name"].Text);
        Assert.Empty(note.Warnings);
        Assert.StartsWith("# Migration", note.Body);
    }

    [Fact]
    public void Tags_come_from_frontmatter_and_text_lowercased_and_deduplicated()
    {
        var note = ParseSample("Projects/Orleans plan.md");
        // Not: the heading's #not-a-tag, inline code, the fenced block, URL fragments, #123.
        Assert.Equal(["project", "infra/k3s", "orleans"], note.Tags);
    }

    [Fact]
    public void Wikilinks_and_embeds_keep_target_heading_and_alias()
    {
        var note = ParseSample("Projects/Orleans plan.md");
        Assert.Equal(
            [
                new WikiLink("Cluster notes", "DNS outage", "the outage"),
                new WikiLink("Daily/2026-03-01", null, null),
                new WikiLink("Cluster notes", null, null, InFrontmatter: true),
            ],
            note.Links);
        Assert.Equal([new WikiLink("diagram.png", null, null), new WikiLink("Cluster notes", "Pods", null)], note.Embeds);
    }

    [Fact]
    public void Headings_have_levels_and_unique_anchors()
    {
        var note = ParseSample("Projects/Orleans plan.md");
        Assert.Equal(
            [
                new NoteHeading(1, "Migration", "migration"),
                new NoteHeading(2, "Open questions #not-a-tag", "open-questions-not-a-tag"),
                new NoteHeading(2, "Open questions", "open-questions"),
            ],
            note.Headings);
    }

    [Fact]
    public void Dates_come_from_frontmatter_and_daily_note_names()
    {
        var plan = ParseSample("Projects/Orleans plan.md");
        Assert.Equal(new DateOnly(2026, 2, 1), plan.Dates.Created);
        Assert.Equal(new DateOnly(2026, 3, 2), plan.Dates.Updated);
        Assert.Null(plan.Dates.DailyNote);

        var daily = ParseSample("Daily/2026-03-01.md");
        Assert.Equal(new DateOnly(2026, 3, 1), daily.Dates.DailyNote);
        Assert.Equal("2026-03-01", daily.Title); // no frontmatter title, no H1: the file name
        Assert.Equal(["daily"], daily.Tags);
    }

    [Fact]
    public void Invalid_yaml_is_a_warning_and_the_body_is_still_parsed()
    {
        var note = ParseSample("Broken yaml.md");
        Assert.Contains(note.Warnings, w => w.StartsWith("frontmatter is not valid YAML", StringComparison.Ordinal));
        Assert.Empty(note.Frontmatter);
        Assert.Equal("Still parsed", note.Title);
        Assert.Equal(["tag-after-bad-yaml"], note.Tags);
        Assert.Equal([new WikiLink("Somewhere", null, null)], note.Links);
    }

    [Fact]
    public void Tags_given_as_a_string_are_split()
    {
        var note = ParseText("a.md", "---\ntags: alpha, Beta gamma\ntag: \"#delta\"\n---\ntext\n");
        Assert.Equal(["alpha", "beta", "gamma", "delta"], note.Tags);
    }

    [Fact]
    public void Content_hash_is_sha256_of_the_bytes()
    {
        var bytes = Encoding.UTF8.GetBytes("hello");
        Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", VaultNoteParser.Parse("h.md", bytes).ContentHash);
    }

    [Fact]
    public void Binary_and_invalid_utf8_files_are_refused_with_a_reason()
    {
        var binary = Assert.Throws<VaultFileException>(() => ParseSample("Attachments/binary.md"));
        Assert.Contains("NUL byte at offset 21", binary.Message);
        var latin1 = Assert.Throws<VaultFileException>(() => ParseSample("Latin1.md"));
        Assert.Contains("not valid UTF-8", latin1.Message);
    }

    [Fact]
    public void Unclosed_frontmatter_fence_is_body()
    {
        var note = ParseText("u.md", "---\ntitle: x\n# Heading\n");
        Assert.Empty(note.Frontmatter);
        Assert.Equal("Heading", note.Title);
    }

    [Fact]
    public void Stream_and_bytes_give_the_same_note()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Sample, "Projects", "Orleans plan.md"));
        var fromStream = VaultNoteParser.Parse("Projects/Orleans plan.md", new MemoryStream(bytes));
        var fromBytes = VaultNoteParser.Parse("Projects/Orleans plan.md", bytes);
        Assert.Equal(fromBytes.ContentHash, fromStream.ContentHash);
        Assert.Equal(fromBytes.Tags, fromStream.Tags);
    }
}
