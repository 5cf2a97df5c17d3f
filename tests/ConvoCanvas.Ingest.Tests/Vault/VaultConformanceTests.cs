using ConvoCanvas.Ingest.Vault;
using Xunit.Abstractions;

namespace ConvoCanvas.Ingest.Tests.Vault;

/// <summary>The two real vaults in the shared data, with counts checked by hand (find, grep) before writing.</summary>
public sealed class VaultConformanceTests(ITestOutputHelper output)
{
    private (VaultScan Scan, Dictionary<string, VaultNote> Notes)? ScanVault(string name)
    {
        var root = SharedDataFolder.Find(output, "obsidian", name);
        if (root is null) return null;
        var scan = new VaultScanner().Scan(root);
        var notes = scan.Where(e => e.Note is not null).ToDictionary(e => e.Path, e => e.Note!);
        foreach (var (path, reason) in scan.Summary.Failed) output.WriteLine($"failed {path}: {reason}");
        return (scan, notes);
    }

    [Fact]
    public void Kepano_vault_parses_every_note_and_skips_config_and_bases()
    {
        if (ScanVault("kepano-obsidian") is not var (scan, notes)) return;

        Assert.Equal(103, scan.Summary.Documents);
        Assert.Equal(103, notes.Count);
        Assert.Equal(new Dictionary<string, int> { [".obsidian"] = 6 }, scan.Summary.SkippedFolders);
        Assert.Equal(new Dictionary<string, int> { [".base"] = 30 }, scan.Summary.SkippedByExtension);
        Assert.Empty(scan.Summary.Failed);
    }

    [Fact]
    public void Kepano_evergreen_note_has_its_frontmatter_tag_and_links()
    {
        if (ScanVault("kepano-obsidian") is not var (_, notes)) return;
        var note = notes["Notes/Evergreen notes turn ideas into objects that you can manipulate.md"];

        Assert.Equal(["0🌲"], note.Tags);
        var body = note.Links.Where(l => !l.InFrontmatter).Select(l => l.Target).ToList();
        Assert.Equal(10, body.Count);
        Assert.Equal("evergreen", body[0]);
        Assert.Contains("Creativity is combinatory uniqueness", body);
        Assert.Equal(["Posts", "Clippings", "Steph Ango", "Evergreen", "Published"],
            note.Links.Where(l => l.InFrontmatter).Select(l => l.Target));
        Assert.Equal(new DateOnly(2023, 9, 14), note.Dates.Created);
        Assert.Equal("https://stephango.com/evergreen-notes", note.Frontmatter["url"].Text);
    }

    [Fact]
    public void Tasks_demo_vault_parses_every_note_and_skips_bases_and_canvas()
    {
        if (ScanVault("tasks-demo-vault") is not var (scan, notes)) return;

        Assert.Equal(205, scan.Summary.Documents);
        Assert.Equal(205, notes.Count);
        Assert.Empty(scan.Summary.SkippedFolders);
        Assert.Equal(new Dictionary<string, int> { [".base"] = 3, [".canvas"] = 1 }, scan.Summary.SkippedByExtension);
        Assert.Empty(scan.Summary.Failed);
    }

    [Fact]
    public void Tasks_demo_links_everywhere_finds_links_in_body_heading_task_and_frontmatter()
    {
        if (ScanVault("tasks-demo-vault") is not var (_, notes)) return;
        var note = notes["Test Data/links_everywhere.md"];

        Assert.Equal(["link_in_file_body", "link_in_heading", "link_in_task_wikilink"],
            note.Links.Where(l => !l.InFrontmatter).Select(l => l.Target));
        Assert.Equal([new WikiLink("link_in_yaml", null, null, true), new WikiLink("", "A link in a link_in_heading", null, true)],
            note.Links.Where(l => l.InFrontmatter));
        Assert.Equal(["task"], note.Tags);
        Assert.Equal(["links_everywhere", "A link in a [[link_in_heading]]"], note.Headings.Select(h => h.Text));
    }

    [Fact]
    public void Tasks_demo_tag_note_ignores_tags_in_code_and_links()
    {
        if (ScanVault("tasks-demo-vault") is not var (_, notes)) return;
        var note = notes["How To/Find tasks in notes with particular tag.md"];

        // `#examples` and the tasks code blocks hold tag-like text; only the frontmatter tag is real.
        Assert.Equal("sample-tag", note.Tags[0]);
        Assert.DoesNotContain("examples", note.Tags);
        Assert.DoesNotContain("sample/tag/value", note.Tags);
        Assert.Contains(new WikiLink("yaml_all_property_types_populated", null, null), note.Links);
    }

    [Fact]
    public void Tasks_demo_daily_notes_take_their_date_from_the_file_name()
    {
        if (ScanVault("tasks-demo-vault") is not var (_, notes)) return;
        var daily = notes.Values.Where(n => n.Dates.DailyNote is not null).Select(n => n.Path).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["Daily Notes/2025-06-17.md", "Daily Notes/2025-06-18.md", "Daily Notes/2025-06-19.md", "Daily Notes/2025-06-20.md"], daily);
    }

    [Fact]
    public void Tasks_demo_inline_task_tag_is_found_in_every_note_that_has_it()
    {
        if (ScanVault("tasks-demo-vault") is not var (_, notes)) return;
        var withTask = notes.Values.Count(n => n.Tags.Contains("task"));
        output.WriteLine($"notes tagged #task: {withTask}; notes with warnings: {notes.Values.Count(n => n.Warnings.Count > 0)}");
        foreach (var n in notes.Values.Where(n => n.Warnings.Count > 0)) output.WriteLine($"  {n.Path}: {n.Warnings[0]}");
        // grep -rlP '(^|\s)#task(\s|$)' --include=*.md counts 144 files; none has it only inside code.
        Assert.Equal(144, withTask);
    }
}
