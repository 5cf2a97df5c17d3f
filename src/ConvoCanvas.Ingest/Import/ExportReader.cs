using ConvoCanvas.Ingest.Formats;
using ConvoCanvas.Ingest.Formats.ClaudeCode;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Import;

/// <summary>
/// Turns what the user named (files, folders, zips) into conversations: finds every file, sniffs its
/// head, hands it to the first format that claims it, then lets each format read its files together.
/// Problems become <see cref="ImportError"/> items; nothing thrown by a format escapes.
/// </summary>
public sealed class ExportReader(IReadOnlyList<IExportFormat> formats, ImportOptions? options = null)
{
    public const int HeadBytes = 64 * 1024;

    /// <summary>Every format ConvoCanvas reads, in the order they are asked to claim a file.</summary>
    public static IReadOnlyList<IExportFormat> DefaultFormats { get; } =
    [
        new ChatGptFormat(),
        new ClaudeAiFormat(),
        new LibreChatFormat(),
        new OpenWebUiFormat(),
        new ClaudeCodeFormat(),
    ];

    /// <summary>Files that ride along in exports but hold no conversations; skipped without an error.</summary>
    public static IReadOnlySet<string> CompanionFiles { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "user.json", "users.json", "user_settings.json", "export_manifest.json", "message_feedback.json",
        "shared_conversations.json", "model_comparisons.json", "projects.json", "memories.json",
    };

    private readonly ImportOptions _options = options ?? ImportOptions.Default;

    public ExportReader() : this(DefaultFormats)
    {
    }

    /// <summary>Reads files, folders (recursively) and zips from disk.</summary>
    public ImportRun Read(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var run = new ImportRun();
        run.SetItems(ReadAll(Discover(paths, run), run, cancellationToken));
        return run;
    }

    /// <summary>Reads files that are already at hand (an upload, a test's bytes).</summary>
    public ImportRun Read(IEnumerable<ExportFile> files, CancellationToken cancellationToken = default)
    {
        var run = new ImportRun();
        run.SetItems(ReadAll(files.Select(f => new Found(f, null)), run, cancellationToken));
        return run;
    }

    private sealed record Found(ExportFile? File, ImportError? Error, bool Skipped = false);

    private IEnumerable<ImportItem> ReadAll(IEnumerable<Found> found, ImportRun run, CancellationToken cancellationToken)
    {
        var claimed = new List<ExportFile>[formats.Count];
        foreach (var item in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (item.Skipped)
            {
                run.Skip();
                continue;
            }
            if (item.Error is not null)
            {
                run.Count(item.Error);
                yield return ImportItem.Failed(item.Error.File, item.Error.Item, item.Error.Reason);
                continue;
            }
            var file = item.File!;
            run.SeeFile();
            var (head, headError) = ReadHead(file);
            if (headError is not null)
            {
                var failed = ImportItem.Failed(file.Path, "file", headError);
                run.Count(failed.Error!);
                yield return failed;
                continue;
            }
            var owner = FirstClaim(file, head!);
            if (owner >= 0)
            {
                run.AddBytesTotal(Math.Max(0, file.Length));
                (claimed[owner] ??= []).Add(file with { Open = run.Counted(file.Open) });
            }
            else if (Unrecognised(file, head!) is { } error)
            {
                run.Count(error.Error!);
                yield return error;
            }
            else
            {
                run.Skip();
            }
        }

        for (var i = 0; i < formats.Count; i++)
        {
            if (claimed[i] is not { Count: > 0 } files)
            {
                continue;
            }
            foreach (var item in Guarded(formats[i], files, cancellationToken))
            {
                if (item.Error is not null)
                {
                    run.Count(item.Error);
                }
                else
                {
                    run.CountConversation();
                }
                yield return item;
            }
        }
    }

    private int FirstClaim(ExportFile file, byte[] head)
    {
        for (var i = 0; i < formats.Count; i++)
        {
            try
            {
                if (formats[i].Claims(file, head))
                {
                    return i;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A format that cannot sniff a file does not get it; the next may.
            }
        }
        return -1;
    }

    /// <summary>A .json file no format knows is worth telling the user about; anything else is just counted.</summary>
    private static ImportItem? Unrecognised(ExportFile file, byte[] head)
    {
        var name = file.FileName;
        if (!name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || CompanionFiles.Contains(name))
        {
            return null;
        }
        var info = Json.JsonHead.Inspect(head, isWholeFile: head.Length >= file.Length || head.Length < HeadBytes);
        return ImportItem.Failed(file.Path, "file", $"not a recognised export: {info.Describe()}");
    }

    /// <summary>Runs a format's reader so that an unexpected exception becomes an error item, not a failed import.</summary>
    private IEnumerable<ImportItem> Guarded(IExportFormat format, IReadOnlyList<ExportFile> files, CancellationToken cancellationToken)
    {
        IEnumerator<ImportItem>? items = null;
        string? failure = null;
        try
        {
            items = format.Read(files, _options, cancellationToken).GetEnumerator();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex.Message;
        }
        if (items is null)
        {
            yield return ImportItem.Failed(string.Join(", ", files.Select(f => f.Path)), format.Source, $"the {format.Source} reader failed: {failure}");
            yield break;
        }
        using (items)
        {
            while (true)
            {
                ImportItem? next = null;
                try
                {
                    if (!items.MoveNext())
                    {
                        break;
                    }
                    next = items.Current;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failure = $"{ex.GetType().Name}: {ex.Message}";
                }
                if (failure is not null)
                {
                    // An iterator that threw cannot be resumed; the files after it are reported as not read.
                    yield return ImportItem.Failed(string.Join(", ", files.Select(f => f.Path)), format.Source,
                        $"the {format.Source} reader stopped: {failure}");
                    yield break;
                }
                yield return next!;
            }
        }
    }

    private static (byte[]? Head, string? Error) ReadHead(ExportFile file)
    {
        try
        {
            using var stream = file.Open();
            var buffer = new byte[HeadBytes];
            var total = 0;
            int n;
            while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += n;
            }
            return (buffer[..total], null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException)
        {
            return (null, $"could not read the file: {ex.Message}");
        }
    }

    private IEnumerable<Found> Discover(IEnumerable<string> paths, ImportRun run)
    {
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                var root = Path.GetFileName(Path.TrimEndingDirectorySeparator(full));
                foreach (var found in WalkFolder(full, root))
                {
                    yield return found;
                }
            }
            else if (File.Exists(full))
            {
                foreach (var found in FromFile(full, Path.GetFileName(full)))
                {
                    yield return found;
                }
            }
            else
            {
                yield return new Found(null, new ImportError(path, "path", "no such file or folder"));
            }
        }
    }

    /// <summary>Depth-first, in name order so runs are repeatable; hidden folders (.git, .obsidian) and links to folders are not entered.</summary>
    private IEnumerable<Found> WalkFolder(string folder, string display)
    {
        var pending = new Stack<(string Folder, string Display)>();
        pending.Push((folder, display));
        while (pending.Count > 0)
        {
            var (current, shown) = pending.Pop();
            string[] files, folders;
            string? error = null;
            try
            {
                files = Directory.GetFiles(current);
                folders = Directory.GetDirectories(current);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                files = folders = [];
                error = ex.Message;
            }
            if (error is not null)
            {
                yield return new Found(null, new ImportError(shown, "folder", $"could not list the folder: {error}"));
                continue;
            }
            Array.Sort(files, StringComparer.Ordinal);
            Array.Sort(folders, StringComparer.Ordinal);
            foreach (var file in files)
            {
                var name = Path.GetFileName(file);
                if (name.StartsWith('.'))
                {
                    yield return new Found(null, null, Skipped: true);
                    continue;
                }
                foreach (var found in FromFile(file, $"{shown}/{name}"))
                {
                    yield return found;
                }
            }
            for (var i = folders.Length - 1; i >= 0; i--)
            {
                var info = new DirectoryInfo(folders[i]);
                if (!info.Name.StartsWith('.') && info.LinkTarget is null)
                {
                    pending.Push((folders[i], $"{shown}/{info.Name}"));
                }
            }
        }
    }

    private IEnumerable<Found> FromFile(string path, string display)
    {
        if (IsZip(path))
        {
            foreach (var entry in ZipExport.List(path, display, _options))
            {
                yield return new Found(entry.File, entry.Error, entry.Skipped);
            }
            yield break;
        }
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            length = -1; // opening it will report the problem with the file's name
        }
        yield return new Found(new ExportFile(display, length, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024)), null);
    }

    private static bool IsZip(string path)
    {
        if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("PK\u0003\u0004"u8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>One import's items, read lazily, and a running tally of what was found.</summary>
public sealed class ImportRun : IEnumerable<ImportItem>
{
    private IEnumerable<ImportItem> _items = [];
    private readonly List<ImportError> _errors = [];

    public int FilesSeen { get; private set; }
    /// <summary>Files no format claimed that were not worth an error (not .json, companions, hidden files).</summary>
    public int FilesSkipped { get; private set; }
    public int Conversations { get; private set; }
    public IReadOnlyList<ImportError> Errors => _errors;
    /// <summary>Bytes of the files some format claimed; grows while files are discovered, final once reading starts.</summary>
    public long BytesTotal { get; private set; }
    /// <summary>How far the formats have read, counting each file once even when a format reads it twice.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);
    private long _bytesRead;

    internal void SetItems(IEnumerable<ImportItem> items) => _items = items;
    internal void SeeFile() => FilesSeen++;
    internal void Skip() => FilesSkipped++;
    internal void CountConversation() => Conversations++;
    internal void Count(ImportError error) => _errors.Add(error);
    internal void AddBytesTotal(long bytes) => BytesTotal += bytes;

    /// <summary>Wraps a file's opener so reads advance <see cref="BytesRead"/> by the file's high-water mark.</summary>
    internal Func<Stream> Counted(Func<Stream> open)
    {
        long highWater = 0;
        return () => new ProgressStream(open(), position =>
        {
            if (position > highWater)
            {
                Interlocked.Add(ref _bytesRead, position - highWater);
                highWater = position;
            }
        });
    }

    public IEnumerator<ImportItem> GetEnumerator() => _items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
