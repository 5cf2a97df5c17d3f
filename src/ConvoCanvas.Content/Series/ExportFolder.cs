using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ConvoCanvas.Content.Series;

/// <summary>What writing an export into a folder did, path by path (relative to the folder).</summary>
/// <param name="KeptEdited">Files edited since the last export, left as they are: still in the series, or no longer in it.</param>
public sealed record ExportOutcome(
    IReadOnlyList<string> Written,
    IReadOnlyList<string> Unchanged,
    IReadOnlyList<string> Removed,
    IReadOnlyList<string> KeptEdited);

/// <summary>Writing an export into a folder went wrong; the message names the file.</summary>
public sealed class ExportFolderException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Writes a series export into a folder (a site or a vault) so that a re-export is safe:
/// <list type="bullet">
/// <item>a file whose text is already there is left untouched (its time stamp too);</item>
/// <item>a file someone edited since the last export is kept as they left it and reported (unless asked to overwrite);</item>
/// <item>each file is written beside its target and moved over it, so none is ever left half-written;</item>
/// <item>files the previous export of the same series and format wrote but this one does not (an episode renamed or
/// dropped by a new plan) are removed, unless someone edited them since: those are kept and reported;</item>
/// <item>no path leaves the folder.</item>
/// </list>
/// What an export wrote is remembered in <c>.convocanvas/SLUG.FORMAT.json</c> inside the folder (static-site
/// generators and Obsidian skip dot folders).
/// </summary>
public static class ExportFolder
{
    public const string StateFolder = ".convocanvas";

    private sealed record Manifest(Dictionary<string, string> Files);

    /// <param name="overwriteEdited">Also replace files someone edited since the last export (they are kept otherwise).</param>
    public static async Task<ExportOutcome> WriteAsync(string folder, string slug, string format, IReadOnlyList<ExportFile> files,
        bool overwriteEdited = false, CancellationToken cancellationToken = default)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var manifestPath = Path.Combine(root, StateFolder, $"{slug}.{format}.json");
        var previous = await ReadManifestAsync(manifestPath, cancellationToken);
        var written = new List<string>();
        var unchanged = new List<string>();
        var kept = new List<string>();
        var now = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var target = Inside(root, file.Path);
            now[file.Path] = Hash(file.Content);
            try
            {
                if (File.Exists(target))
                {
                    var there = await File.ReadAllTextAsync(target, cancellationToken);
                    if (there == file.Content)
                    {
                        unchanged.Add(file.Path);
                        continue;
                    }
                    if (!overwriteEdited && previous.Files.TryGetValue(file.Path, out var exported) && Hash(there) != exported)
                    {
                        // Edited by someone since the last export: theirs stays, and the books keep what we wrote.
                        kept.Add(file.Path);
                        now[file.Path] = exported;
                        continue;
                    }
                }
                await WriteAtomicallyAsync(target, file.Content, cancellationToken);
                written.Add(file.Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ExportFolderException($"cannot write {target}: {e.Message} ({written.Count} file(s) written before it)", e);
            }
        }

        var removed = new List<string>();
        foreach (var (path, hash) in previous.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (now.ContainsKey(path))
            {
                continue;
            }
            string target;
            try
            {
                target = Inside(root, path);
            }
            catch (ExportFolderException)
            {
                continue; // a hand-edited manifest pointing outside the folder: never followed
            }
            if (!File.Exists(target))
            {
                continue;
            }
            try
            {
                if (Hash(await File.ReadAllTextAsync(target, cancellationToken)) != hash)
                {
                    kept.Add(path);
                    now[path] = hash; // still ours to remove once it matches again; not forgotten
                    continue;
                }
                File.Delete(target);
                removed.Add(path);
                RemoveEmptyFolders(root, Path.GetDirectoryName(target)!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ExportFolderException($"cannot remove {target}, which an earlier export of '{slug}' wrote: {e.Message}", e);
            }
        }

        try
        {
            await WriteAtomicallyAsync(manifestPath, JsonSerializer.Serialize(new Manifest(now), ManifestJson), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ExportFolderException($"cannot write {manifestPath}: {e.Message} (the export itself was written)", e);
        }
        return new ExportOutcome(written, unchanged, removed, kept);
    }

    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true };

    private static async Task<Manifest> ReadManifestAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return new Manifest([]);
        }
        try
        {
            var manifest = JsonSerializer.Deserialize<Manifest>(await File.ReadAllTextAsync(path, cancellationToken));
            return manifest?.Files is null ? new Manifest([]) : manifest;
        }
        catch (JsonException)
        {
            // Unreadable: nothing earlier is removed (the safe side); the new manifest replaces it.
            return new Manifest([]);
        }
    }

    /// <summary>The full path of <paramref name="relative"/> under <paramref name="root"/>, refusing any path that leaves it.</summary>
    private static string Inside(string root, string relative)
    {
        var target = Path.GetFullPath(Path.Combine(root, relative));
        var back = Path.GetRelativePath(root, target);
        if (back == "." || back == ".." || back.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(back))
        {
            throw new ExportFolderException($"refusing to write '{relative}': it is outside {root}");
        }
        return target;
    }

    private static async Task WriteAtomicallyAsync(string target, string content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = target + ".convocanvas-tmp";
        try
        {
            await File.WriteAllTextAsync(temporary, content, cancellationToken);
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private static void RemoveEmptyFolders(string root, string folder)
    {
        while (folder.Length > root.Length && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
        {
            Directory.Delete(folder);
            folder = Path.GetDirectoryName(folder)!;
        }
    }

    private static string Hash(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
}
