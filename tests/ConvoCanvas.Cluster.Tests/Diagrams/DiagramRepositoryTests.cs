using System.Diagnostics;
using ConvoCanvas.Cluster.Diagrams;
using ConvoCanvas.Testing.Cluster;

namespace ConvoCanvas.Cluster.Tests.Diagrams;

public sealed class DiagramRepositoryTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("convocanvas-diagrams-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static string Markdown(int pods, int crashLooping)
    {
        var snapshot = SyntheticCluster.Build(pods, crashLooping: crashLooping);
        return DiagramRepository.Markdown("home", AsciiDiagram.Render(snapshot, new AsciiDiagramOptions { IncludeTime = false }), MermaidDiagram.Render(snapshot), snapshot.TakenAt);
    }

    private int Commits() => int.Parse(Git("rev-list", "--count", "HEAD").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private string Git(params string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-C");
        start.ArgumentList.Add(_folder.FullName);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    [Fact]
    public async Task Diagrams_are_committed_once_and_again_only_when_the_cluster_changed()
    {
        var repository = new DiagramRepository(_folder.FullName);

        var first = await repository.WriteAndCommitAsync("home", Markdown(23, 0), "cluster home: 23 pods");
        var again = await repository.WriteAndCommitAsync("home", Markdown(23, 0), "cluster home: 23 pods");
        var changed = await repository.WriteAndCommitAsync("home", Markdown(23, 2), "cluster home: 2 crash-looping");

        Assert.True(first.Committed);
        Assert.False(again.Committed);
        Assert.Equal("unchanged since the last commit", again.Message);
        Assert.True(changed.Committed);
        Assert.Equal(2, Commits());
        var text = await File.ReadAllTextAsync(Path.Combine(_folder.FullName, "cluster", "home.md"));
        Assert.Contains("```mermaid", text);
        Assert.Contains("CrashLoopBackOff", text);
        Assert.Contains("2 crash-looping", Git("log", "-1", "--format=%s"));
    }

    /// <summary>
    /// A prepare-commit-msg hook (it runs even with --no-verify) that fails while <paramref name="marker"/> exists, or
    /// hangs while it says "hang".
    /// </summary>
    private void HookCommits(string marker)
    {
        Git("init", "--quiet");
        var hook = Path.Combine(_folder.FullName, ".git", "hooks", "prepare-commit-msg");
        File.WriteAllText(hook, $"#!/bin/sh\nif [ -f '{marker}' ]; then\n  if grep -q hang '{marker}'; then exec sleep 300; fi\n  echo 'refused by the test hook' >&2\n  exit 1\nfi\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task A_failed_commit_is_made_by_the_next_call_with_the_same_diagram()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"convocanvas-refuse-{Guid.NewGuid():N}");
        File.WriteAllText(marker, "fail");
        HookCommits(marker);
        var repository = new DiagramRepository(_folder.FullName);
        try
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => repository.WriteAndCommitAsync("home", Markdown(23, 0), "cluster home: 23 pods"));
            Assert.Contains("refused by the test hook", error.Message);
        }
        finally
        {
            File.Delete(marker);
        }

        var retried = await repository.WriteAndCommitAsync("home", Markdown(23, 0), "cluster home: 23 pods");
        var again = await repository.WriteAndCommitAsync("home", Markdown(23, 0), "cluster home: 23 pods");

        Assert.True(retried.Committed, retried.Message);
        Assert.False(again.Committed);
        Assert.Equal(1, Commits());
    }

    [Fact]
    public async Task A_hanging_git_is_stopped_after_the_timeout_and_the_next_call_commits()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"convocanvas-hang-{Guid.NewGuid():N}");
        File.WriteAllText(marker, "hang");
        HookCommits(marker);
        try
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                new DiagramRepository(_folder.FullName, gitTimeout: TimeSpan.FromSeconds(2)).WriteAndCommitAsync("home", Markdown(23, 0), "cluster home"));
            Assert.Contains("did not finish within 2 s", error.Message);
        }
        finally
        {
            File.Delete(marker);
        }
        var retried = await new DiagramRepository(_folder.FullName).WriteAndCommitAsync("home", Markdown(23, 0), "cluster home");

        Assert.True(retried.Committed, retried.Message);
        Assert.Equal(1, Commits());
    }

    [Fact]
    public async Task A_repository_set_to_sign_commits_still_gets_them_unsigned()
    {
        Git("init", "--quiet");
        Git("config", "commit.gpgsign", "true");
        Git("config", "gpg.program", "false");

        var result = await new DiagramRepository(_folder.FullName).WriteAndCommitAsync("home", Markdown(23, 0), "cluster home");

        Assert.True(result.Committed, result.Message);
        Assert.Equal(1, Commits());
    }

    [Fact]
    public async Task A_repository_path_with_a_trailing_slash_works()
    {
        var result = await new DiagramRepository(_folder.FullName + Path.DirectorySeparatorChar).WriteAndCommitAsync("home", Markdown(23, 0), "cluster home");

        Assert.True(result.Committed, result.Message);
        Assert.Equal(1, Commits());
    }

    [Fact]
    public async Task A_folder_that_leads_outside_the_repository_is_refused()
    {
        var repository = new DiagramRepository(_folder.FullName, folder: "../elsewhere");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => repository.WriteAndCommitAsync("home", "x", "x"));
        Assert.Contains("outside the repository", error.Message);
    }

    [Fact]
    public void Fingerprint_changes_with_what_is_drawn_and_not_with_the_time()
    {
        var a = SyntheticCluster.Build(23);
        var later = SyntheticCluster.Build(23, at: a.TakenAt.AddHours(1));
        var crashing = SyntheticCluster.Build(23, crashLooping: 1);

        Assert.Equal(Topology.Fingerprint(a), Topology.Fingerprint(later));
        Assert.NotEqual(Topology.Fingerprint(a), Topology.Fingerprint(crashing));
        Assert.NotEqual(Topology.Fingerprint(a), Topology.Fingerprint(a with { Nodes = [a.Nodes[0] with { InternalIp = "192.168.1.99" }, .. a.Nodes.Skip(1)] }));
    }
}
