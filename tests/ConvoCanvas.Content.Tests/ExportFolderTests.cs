using ConvoCanvas.Content.Series;

namespace ConvoCanvas.Content.Tests;

public sealed class ExportFolderTests : IDisposable
{
    private readonly string _site = Directory.CreateTempSubdirectory("convocanvas-export-").FullName;

    public void Dispose() => Directory.Delete(_site, recursive: true);

    private string At(string relative) => Path.Combine(_site, relative);

    [Fact]
    public async Task A_second_export_of_the_same_files_touches_nothing()
    {
        ExportFile[] files = [new("content/posts/lab/01-start.md", "# Start\n"), new("content/posts/lab/_index.md", "index\n")];
        var first = await ExportFolder.WriteAsync(_site, "lab", "hugo", files);
        Assert.Equal(["content/posts/lab/01-start.md", "content/posts/lab/_index.md"], first.Written);
        var stamp = DateTime.UtcNow.AddHours(-1);
        File.SetLastWriteTimeUtc(At("content/posts/lab/01-start.md"), stamp);

        var second = await ExportFolder.WriteAsync(_site, "lab", "hugo", files);

        Assert.Empty(second.Written);
        Assert.Equal(2, second.Unchanged.Count);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(At("content/posts/lab/01-start.md")));
        Assert.Empty(Directory.GetFiles(_site, "*.convocanvas-tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Files_a_new_plan_no_longer_has_are_removed_with_their_empty_folders()
    {
        await ExportFolder.WriteAsync(_site, "lab", "jekyll", [new("_posts/2026-01-02-lab-01-old-title.md", "old\n"), new("_posts/lab/extra/02-gone.md", "gone\n"), new("lab.md", "index\n")]);
        File.WriteAllText(At("_posts/mine.md"), "a post of the site's own\n");

        var again = await ExportFolder.WriteAsync(_site, "lab", "jekyll", [new("_posts/2026-01-02-lab-01-new-title.md", "new\n"), new("lab.md", "index\n")]);

        Assert.Equal(["_posts/2026-01-02-lab-01-old-title.md", "_posts/lab/extra/02-gone.md"], again.Removed);
        Assert.False(File.Exists(At("_posts/2026-01-02-lab-01-old-title.md")));
        Assert.False(Directory.Exists(At("_posts/lab")));
        Assert.True(File.Exists(At("_posts/mine.md")), "a file no export wrote is never removed");
        Assert.Equal("new\n", File.ReadAllText(At("_posts/2026-01-02-lab-01-new-title.md")));
    }

    [Fact]
    public async Task A_dropped_file_someone_edited_is_kept_and_reported_until_it_matches_again()
    {
        await ExportFolder.WriteAsync(_site, "lab", "obsidian", [new("lab/01-a.md", "a\n"), new("lab/02-b.md", "b\n")]);
        File.WriteAllText(At("lab/02-b.md"), "b, with my own edits\n");

        var again = await ExportFolder.WriteAsync(_site, "lab", "obsidian", [new("lab/01-a.md", "a\n")]);
        Assert.Equal(["lab/02-b.md"], again.KeptEdited);
        Assert.Empty(again.Removed);
        Assert.Equal("b, with my own edits\n", File.ReadAllText(At("lab/02-b.md")));

        // Still remembered: once the edit is undone, the next export removes it.
        File.WriteAllText(At("lab/02-b.md"), "b\n");
        var third = await ExportFolder.WriteAsync(_site, "lab", "obsidian", [new("lab/01-a.md", "a\n")]);
        Assert.Equal(["lab/02-b.md"], third.Removed);
    }

    [Fact]
    public async Task A_file_edited_by_hand_is_kept_on_re_export_unless_overwrite_is_asked_for()
    {
        await ExportFolder.WriteAsync(_site, "lab", "hugo", [new("content/posts/lab/01-a.md", "draft 1\n"), new("content/posts/lab/02-b.md", "b 1\n")]);
        File.WriteAllText(At("content/posts/lab/01-a.md"), "draft 1, polished by hand\n");

        var again = await ExportFolder.WriteAsync(_site, "lab", "hugo", [new("content/posts/lab/01-a.md", "draft 2\n"), new("content/posts/lab/02-b.md", "b 2\n")]);
        Assert.Equal(["content/posts/lab/01-a.md"], again.KeptEdited);
        Assert.Equal(["content/posts/lab/02-b.md"], again.Written);
        Assert.Equal("draft 1, polished by hand\n", File.ReadAllText(At("content/posts/lab/01-a.md")));

        // Still seen as edited the next time, and replaced only when asked.
        var third = await ExportFolder.WriteAsync(_site, "lab", "hugo", [new("content/posts/lab/01-a.md", "draft 3\n")]);
        Assert.Equal(["content/posts/lab/01-a.md"], third.KeptEdited);
        var forced = await ExportFolder.WriteAsync(_site, "lab", "hugo", [new("content/posts/lab/01-a.md", "draft 3\n")], overwriteEdited: true);
        Assert.Equal(["content/posts/lab/01-a.md"], forced.Written);
        Assert.Equal("draft 3\n", File.ReadAllText(At("content/posts/lab/01-a.md")));
    }

    [Fact]
    public async Task Two_series_and_two_formats_in_one_folder_keep_their_own_books()
    {
        await ExportFolder.WriteAsync(_site, "lab", "hugo", [new("content/posts/lab/01-a.md", "a\n")]);
        await ExportFolder.WriteAsync(_site, "garden", "hugo", [new("content/posts/garden/01-a.md", "a\n")]);
        await ExportFolder.WriteAsync(_site, "lab", "obsidian", [new("lab/01-a.md", "a\n")]);

        var again = await ExportFolder.WriteAsync(_site, "lab", "hugo", [new("content/posts/lab/01-b.md", "b\n")]);

        Assert.Equal(["content/posts/lab/01-a.md"], again.Removed);
        Assert.True(File.Exists(At("content/posts/garden/01-a.md")));
        Assert.True(File.Exists(At("lab/01-a.md")));
    }

    [Fact]
    public async Task A_path_outside_the_folder_is_refused_before_anything_is_written_there()
    {
        var refused = await Assert.ThrowsAsync<ExportFolderException>(() => ExportFolder.WriteAsync(_site, "lab", "hugo", [new("../escaped.md", "x\n")]));
        Assert.Contains("refusing to write '../escaped.md': it is outside", refused.Message);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_site)!, "escaped.md")));
    }

    [Fact]
    public async Task A_manifest_edited_to_point_outside_is_not_followed_and_a_broken_one_removes_nothing()
    {
        var outside = Path.Combine(Path.GetDirectoryName(_site)!, $"convocanvas-victim-{Guid.NewGuid():N}.md");
        File.WriteAllText(outside, "x\n");
        try
        {
            Directory.CreateDirectory(At(ExportFolder.StateFolder));
            var relative = Path.GetRelativePath(_site, outside).Replace('\\', '/');
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("x\n"u8.ToArray()));
            File.WriteAllText(At($"{ExportFolder.StateFolder}/lab.hugo.json"), "{\"Files\":{\"" + relative + "\":\"" + hash + "\"}}");
            var outcome = await ExportFolder.WriteAsync(_site, "lab", "hugo", [new("content/posts/lab/01-a.md", "a\n")]);
            Assert.Empty(outcome.Removed);
            Assert.True(File.Exists(outside));

            await ExportFolder.WriteAsync(_site, "lab", "hugo", [new("content/posts/lab/02-b.md", "b\n")]);
            File.WriteAllText(At($"{ExportFolder.StateFolder}/lab.hugo.json"), "{ not json");
            var broken = await ExportFolder.WriteAsync(_site, "lab", "hugo", [new("content/posts/lab/03-c.md", "c\n")]);
            Assert.Empty(broken.Removed);
            Assert.True(File.Exists(At("content/posts/lab/02-b.md")));
        }
        finally
        {
            File.Delete(outside);
        }
    }
}
