using System.Diagnostics;
using System.Text;

namespace ConvoCanvas.Cluster.Diagrams;

/// <summary>The outcome of <see cref="DiagramRepository.WriteAndCommitAsync"/>.</summary>
public sealed record DiagramCommitResult(bool Committed, string File, string? CommitId, string Message);

/// <summary>
/// Keeps a cluster's diagrams in a git repository folder as markdown and commits them, only when they changed: the
/// picture's history becomes the repository's history. Runs the <c>git</c> command line (it must be on PATH); a folder
/// that is not a repository yet is initialised. Whether there is something to commit is git's answer (the file's
/// status), not a comparison with the last text written, so a commit that failed is made by the next call.
/// </summary>
public sealed class DiagramRepository(string repository, string folder = "cluster", TimeSpan? gitTimeout = null)
{
    /// <summary>How long one git command may run before it is killed (a hung credential or lock prompt must not hold the caller).</summary>
    public static readonly TimeSpan DefaultGitTimeout = TimeSpan.FromMinutes(1);

    private readonly TimeSpan _gitTimeout = gitTimeout ?? DefaultGitTimeout;

    /// <summary>The markdown for one cluster: the ASCII diagram in a code block and the Mermaid one in a mermaid block.</summary>
    public static string Markdown(string cluster, string ascii, string mermaid, DateTimeOffset changedAt)
    {
        var text = new StringBuilder();
        text.Append($"# Cluster {cluster}\n\n");
        text.Append($"Drawn by ConvoCanvas from the live cluster; last changed {changedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.\n\n");
        text.Append("```text\n").Append(ascii.TrimEnd('\n')).Append("\n```\n\n");
        text.Append("```mermaid\n").Append(mermaid.TrimEnd('\n')).Append("\n```\n");
        return text.ToString();
    }

    public async Task<DiagramCommitResult> WriteAndCommitAsync(string cluster, string markdown, string message, CancellationToken cancellationToken = default)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(repository));
        var name = string.Concat(cluster.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')).Trim('.');
        var relative = Path.Combine(folder, $"{(name.Length == 0 ? "cluster" : name)}.md");
        var file = Path.GetFullPath(Path.Combine(root, relative));
        if (!file.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"diagram folder '{folder}' leads outside the repository '{root}'");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        if (!Directory.Exists(Path.Combine(root, ".git")))
        {
            await GitAsync(root, cancellationToken, "init", "--quiet");
        }
        if (!File.Exists(file) || await File.ReadAllTextAsync(file, cancellationToken) != markdown)
        {
            await File.WriteAllTextAsync(file, markdown, cancellationToken);
        }
        // Clean means committed as it is: an unchanged text left by a failed commit still shows as untracked or staged.
        var (_, status) = await GitAsync(root, cancellationToken, "status", "--porcelain", "--untracked-files=all", "--", relative);
        if (status.Trim().Length == 0)
        {
            return new DiagramCommitResult(false, file, null, "unchanged since the last commit");
        }
        await GitAsync(root, cancellationToken, "add", "--", relative);
        var (staged, _) = await GitAsync(root, cancellationToken, allowFailure: true, "diff", "--cached", "--quiet", "--", relative);
        if (staged == 0)
        {
            return new DiagramCommitResult(false, file, null, "unchanged since the last commit");
        }
        // A repository without an identity (a fresh one in a container) still gets a commit, under ConvoCanvas's name;
        // one set to sign commits would wait on a key or a passphrase no one is there to give.
        await GitAsync(root, cancellationToken, "-c", "user.name=ConvoCanvas", "-c", "user.email=convocanvas@localhost", "-c", "commit.gpgsign=false",
            "commit", "--quiet", "--no-verify", "-m", message, "--", relative);
        var (_, id) = await GitAsync(root, cancellationToken, "rev-parse", "HEAD");
        return new DiagramCommitResult(true, file, id.Trim(), "committed");
    }

    private Task<(int Code, string Output)> GitAsync(string root, CancellationToken cancellationToken, params string[] args) =>
        GitAsync(root, cancellationToken, allowFailure: false, args);

    private async Task<(int Code, string Output)> GitAsync(string root, CancellationToken cancellationToken, bool allowFailure, params string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        // Never ask: a prompt for credentials or an editor would wait for the timeout.
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.ArgumentList.Add("-C");
        start.ArgumentList.Add(root);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("git did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run git to commit the diagrams ({e.Message}); install git or unset ConvoCanvas:Cluster:Diagrams:Repository", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_gitTimeout);
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                var startedAt = process.StartTime.ToUniversalTime();
                try
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    // It ended on its own meanwhile, or will not say so; either way it is not waited on longer.
                }
                // A killed git cannot remove its index lock, and every later git here would refuse to run. One made
                // after the killed git started is its own.
                var indexLock = new FileInfo(Path.Combine(root, ".git", "index.lock"));
                if (indexLock.Exists && indexLock.LastWriteTimeUtc >= startedAt.AddSeconds(-1))
                {
                    indexLock.Delete();
                }
                cancellationToken.ThrowIfCancellationRequested();
                throw new InvalidOperationException($"git {string.Join(' ', args)} in '{root}' did not finish within {_gitTimeout.TotalSeconds:0.#} s and was stopped; the next commit tries again");
            }
            if (process.ExitCode != 0 && !allowFailure)
            {
                throw new InvalidOperationException($"git {string.Join(' ', args)} in '{root}' failed (exit {process.ExitCode}): {(await error).Trim()}");
            }
            return (process.ExitCode, await output);
        }
    }
}
