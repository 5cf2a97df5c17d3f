using System.Collections;

namespace ConvoCanvas.Ingest.Vault;

public enum VaultEntryKind { Parsed, Skipped, Failed }

/// <summary>One thing the scan met: a parsed note, or a file or folder left out and why.</summary>
public sealed record VaultScanEntry(VaultEntryKind Kind, string Path, VaultNote? Note = null, string? Reason = null);

/// <summary>The coverage report: what was indexed, what was skipped and why, what failed and why.</summary>
public sealed class VaultScanSummary
{
    public int Documents { get; internal set; }
    /// <summary>Dot folders (<c>.obsidian</c>, <c>.git</c>, <c>.trash</c>) → how many files they held.</summary>
    public SortedDictionary<string, int> SkippedFolders { get; } = new(StringComparer.Ordinal);
    /// <summary>Non-markdown files by lower-case extension (<c>.base</c>, <c>.canvas</c>, <c>.png</c>; "" for none).</summary>
    public SortedDictionary<string, int> SkippedByExtension { get; } = new(StringComparer.Ordinal);
    /// <summary>Other skips (symlinks out of the vault, dot files) with their reasons.</summary>
    public List<(string Path, string Reason)> SkippedOther { get; } = [];
    public List<(string Path, string Reason)> Failed { get; } = [];
    public int NotesWithWarnings { get; internal set; }
}

public sealed record VaultScanOptions
{
    /// <summary>A note larger than this is reported, not parsed: nobody writes 16 MB of markdown by hand.</summary>
    public long MaxNoteBytes { get; init; } = 16 * 1024 * 1024;
    public static VaultScanOptions Default { get; } = new();
}

/// <summary>
/// The result of <see cref="VaultScanner.Scan"/>: enumerate it to walk the vault lazily, one note at a
/// time; <see cref="Summary"/> is complete once the enumeration has finished.
/// </summary>
public sealed class VaultScan(string root, VaultScanOptions options, CancellationToken cancellationToken) : IEnumerable<VaultScanEntry>
{
    public string Root { get; } = Path.GetFullPath(root);
    public VaultScanSummary Summary { get; private set; } = new();

    public IEnumerator<VaultScanEntry> GetEnumerator()
    {
        Summary = new VaultScanSummary();
        return Walk().GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<VaultScanEntry> Walk()
    {
        var folders = new Stack<string>();
        folders.Push(Root);
        while (folders.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var folder = folders.Pop();
            var children = new DirectoryInfo(folder).EnumerateFileSystemInfos()
                .OrderBy(i => i.Name, StringComparer.Ordinal)
                .ToList();

            // Files first, then subfolders in name order (pushed in reverse so the stack pops them in order).
            foreach (var file in children.OfType<FileInfo>())
                if (Visit(file) is { } entry) yield return entry;

            foreach (var dir in children.OfType<DirectoryInfo>().Reverse())
                if (VisitFolder(dir) is { } skipped) yield return skipped; else folders.Push(dir.FullName);
        }
    }

    private VaultScanEntry? VisitFolder(DirectoryInfo dir)
    {
        var relative = Relative(dir.FullName);
        if (dir.Name.StartsWith('.'))
        {
            // App config and trash, not notes.
            Summary.SkippedFolders[relative] = SafeCount(dir);
            return new VaultScanEntry(VaultEntryKind.Skipped, relative, Reason: "dot folder (application data, not notes)");
        }

        if (dir.LinkTarget is not null)
        {
            // Inside the vault its files are scanned at their real path; outside it they are not ours.
            var reason = Escapes(dir) ? "symlinked folder leads out of the vault; not followed" : "symlinked folder inside the vault; scanned at its real path";
            Summary.SkippedOther.Add((relative, reason));
            return new VaultScanEntry(VaultEntryKind.Skipped, relative, Reason: reason);
        }

        return null;
    }

    private VaultScanEntry? Visit(FileInfo file)
    {
        var relative = Relative(file.FullName);
        var extension = file.Extension.ToLowerInvariant();
        if (file.Name.StartsWith('.'))
        {
            Summary.SkippedOther.Add((relative, "dot file"));
            return new VaultScanEntry(VaultEntryKind.Skipped, relative, Reason: "dot file");
        }

        if (extension is not (".md" or ".markdown"))
        {
            Summary.SkippedByExtension[extension] = Summary.SkippedByExtension.GetValueOrDefault(extension) + 1;
            return new VaultScanEntry(VaultEntryKind.Skipped, relative, Reason: $"not markdown ({(extension.Length == 0 ? "no extension" : extension)})");
        }

        if (file.LinkTarget is not null && Escapes(file))
        {
            const string reason = "symlink leads out of the vault; not followed";
            Summary.SkippedOther.Add((relative, reason));
            return new VaultScanEntry(VaultEntryKind.Skipped, relative, Reason: reason);
        }

        try
        {
            var length = file.LinkTarget is null ? file.Length : new FileInfo(file.ResolveLinkTarget(true)!.FullName).Length;
            if (length > options.MaxNoteBytes)
                return Fail(relative, $"{length:N0} bytes, over the {options.MaxNoteBytes:N0}-byte note limit");
            var note = VaultNoteParser.Parse(relative, File.ReadAllBytes(file.FullName));
            Summary.Documents++;
            if (note.Warnings.Count > 0) Summary.NotesWithWarnings++;
            return new VaultScanEntry(VaultEntryKind.Parsed, relative, note);
        }
        catch (VaultFileException e)
        {
            return Fail(relative, e.Message);
        }
        catch (IOException e)
        {
            return Fail(relative, $"cannot be read: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail(relative, $"cannot be read: {e.Message}");
        }
    }

    private VaultScanEntry Fail(string relative, string reason)
    {
        Summary.Failed.Add((relative, reason));
        return new VaultScanEntry(VaultEntryKind.Failed, relative, Reason: reason);
    }

    private bool Escapes(FileSystemInfo link)
    {
        var target = link.ResolveLinkTarget(returnFinalTarget: true);
        if (target is null) return true;
        var full = Path.GetFullPath(target.FullName);
        var rootWithSlash = Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar;
        return !full.StartsWith(rootWithSlash, StringComparison.Ordinal);
    }

    private string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace('\\', '/');

    private static int SafeCount(DirectoryInfo dir)
    {
        try
        {
            return dir.EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }).Count();
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

/// <summary>Walks a vault folder: markdown notes parsed, everything else counted with a reason.</summary>
public sealed class VaultScanner(VaultScanOptions? options = null)
{
    public VaultScan Scan(string root, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"vault folder '{root}' does not exist");
        return new VaultScan(root, options ?? VaultScanOptions.Default, cancellationToken);
    }
}
