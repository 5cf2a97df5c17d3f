using ConvoCanvas.Ingest.Vault;

namespace ConvoCanvas.Ingest.Tests;

public sealed class VaultDiffTests
{
    private static VaultNote Note(string path, string hash) => new() { Path = path, Title = path, ContentHash = hash };

    [Fact]
    public void Same_content_at_a_new_path_is_a_rename_not_a_delete_and_create()
    {
        var previous = new Dictionary<string, string> { ["a.md"] = "h1", ["b.md"] = "h2", ["c.md"] = "h3" };

        var diff = VaultDiff.Compute(previous, [Note("a.md", "h1-edited"), Note("folder/b.md", "h2"), Note("d.md", "h4")]);

        Assert.Equal(["a.md"], diff.Updated.Select(n => n.Path));
        Assert.Equal([("b.md", "folder/b.md")], diff.Renamed.Select(r => (r.From, r.To.Path)));
        Assert.Equal(["d.md"], diff.Created.Select(n => n.Path));
        Assert.Equal(["c.md"], diff.Deleted);
        Assert.Empty(diff.Unchanged);
    }

    [Fact]
    public void Two_vanished_copies_pair_with_two_new_copies_in_path_order_and_extra_copies_are_created()
    {
        var previous = new Dictionary<string, string> { ["x1.md"] = "same", ["x2.md"] = "same" };

        var diff = VaultDiff.Compute(previous, [Note("y2.md", "same"), Note("y1.md", "same"), Note("y3.md", "same")]);

        Assert.Equal([("x1.md", "y1.md"), ("x2.md", "y2.md")], diff.Renamed.Select(r => (r.From, r.To.Path)));
        Assert.Equal(["y3.md"], diff.Created.Select(n => n.Path));
        Assert.Empty(diff.Deleted);
    }

    [Fact]
    public void Nothing_changed_is_all_unchanged()
    {
        var previous = new Dictionary<string, string> { ["a.md"] = "h1" };

        var diff = VaultDiff.Compute(previous, [Note("a.md", "h1")]);

        Assert.Equal(["a.md"], diff.Unchanged);
        Assert.Empty(diff.Created);
        Assert.Empty(diff.Updated);
        Assert.Empty(diff.Deleted);
        Assert.Empty(diff.Renamed);
    }
}
