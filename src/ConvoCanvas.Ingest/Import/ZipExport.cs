using System.IO.Compression;
using ConvoCanvas.Ingest.Formats;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Import;

/// <summary>
/// The files inside a zip, read in place: nothing is extracted to disk, entries with unsafe paths are
/// refused, and every entry stream counts what it inflates so a zip bomb is stopped while it is being
/// read (the sizes in a zip's headers are written by whoever made it, so they are not trusted alone).
/// </summary>
public static class ZipExport
{
    public sealed record Entry(ExportFile? File, ImportError? Error, bool Skipped);

    public static IEnumerable<Entry> List(string zipPath, string displayPath, ImportOptions options)
    {
        List<(int Index, string Name, long Length, long Compressed)> entries;
        try
        {
            using var archive = ZipFile.OpenRead(zipPath);
            entries = archive.Entries.Select((e, i) => (i, e.FullName, e.Length, e.CompressedLength)).ToList();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException)
        {
            return [new Entry(null, new ImportError(displayPath, "zip", $"not a readable zip file: {ex.Message}"), false)];
        }

        var budget = new ZipBudget(entries.Count, options.MaxZipExpandedBytes);
        var result = new List<Entry>(entries.Count);
        foreach (var (index, name, length, compressed) in entries)
        {
            if (name.EndsWith('/') || name.EndsWith('\\'))
            {
                continue; // a folder entry
            }
            var path = $"{displayPath}!/{name}";
            if (UnsafeReason(name) is { } unsafeReason)
            {
                result.Add(new Entry(null, new ImportError(displayPath, $"entry '{name}'", $"refused: {unsafeReason}"), false));
                continue;
            }
            if (IsHidden(name))
            {
                result.Add(new Entry(null, null, true));
                continue;
            }
            if (HeaderBombReason(length, compressed, options) is { } bomb)
            {
                result.Add(new Entry(null, new ImportError(displayPath, $"entry '{name}'", $"refused: {bomb}"), false));
                continue;
            }
            var entryIndex = index;
            result.Add(new Entry(new ExportFile(path, length, () => OpenEntry(zipPath, entryIndex, name, options, budget)), null, false));
        }
        return result;
    }

    /// <summary>Why an entry name could escape a folder if it were ever extracted: '..', absolute paths, drive letters.</summary>
    public static string? UnsafeReason(string name)
    {
        if (name.Contains('\0'))
        {
            return "the entry name contains a NUL character";
        }
        if (name.StartsWith('/') || name.StartsWith('\\'))
        {
            return "the entry has an absolute path";
        }
        if (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0]))
        {
            return "the entry path starts with a drive letter";
        }
        if (name.Split('/', '\\').Any(segment => segment == ".."))
        {
            return "the entry path climbs out of the archive with '..'";
        }
        return null;
    }

    private static bool IsHidden(string name) =>
        name.Split('/', '\\').Any(segment => segment.StartsWith('.') || segment == "__MACOSX");

    private static string? HeaderBombReason(long length, long compressed, ImportOptions options)
    {
        if (length > options.MaxZipExpandedBytes)
        {
            return $"it would expand to {length:N0} bytes, over the {options.MaxZipExpandedBytes:N0}-byte limit for a zip";
        }
        if (length > MinimumRatioCheckedBytes && length > compressed * (long)options.MaxZipCompressionRatio)
        {
            return $"its compression ratio is over {options.MaxZipCompressionRatio}:1 (a zip bomb?)";
        }
        return null;
    }

    /// <summary>Tiny entries cannot hurt whatever their ratio; a few bytes of JSON can compress 100:1.</summary>
    internal const long MinimumRatioCheckedBytes = 64 * 1024;

    private static Stream OpenEntry(string zipPath, int index, string name, ImportOptions options, ZipBudget budget)
    {
        var archive = ZipFile.OpenRead(zipPath);
        try
        {
            var entry = archive.Entries[index];
            if (entry.FullName != name)
            {
                throw new IOException($"the zip changed while it was being read (entry {index} is now '{entry.FullName}')");
            }
            var inner = entry.Open();
            var ratioLimit = Math.Max(MinimumRatioCheckedBytes, entry.CompressedLength * (long)options.MaxZipCompressionRatio);
            return new ExpansionLimitedStream(inner, archive, name, ratioLimit, options.MaxZipCompressionRatio, budget, index);
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }
}

/// <summary>The expanded bytes of one zip, counted per entry by the furthest any reader got, so re-opening an entry is not counted twice.</summary>
internal sealed class ZipBudget(int entryCount, long limit)
{
    private readonly long[] _highWater = new long[entryCount];
    private long _total;

    public long Limit => limit;

    /// <summary>
    /// False when these new bytes would take the zip past its limit; bytes already counted (a re-read
    /// of an entry) never fail, and refused bytes are not counted, so other entries still fit.
    /// </summary>
    public bool Report(int entry, long position)
    {
        lock (_highWater)
        {
            var added = position - _highWater[entry];
            if (added <= 0)
            {
                return true;
            }
            if (_total + added > limit)
            {
                return false;
            }
            _total += added;
            _highWater[entry] = position;
            return true;
        }
    }
}

/// <summary>Counts inflated bytes as they are read and stops with an error at the entry's ratio limit or the zip's total.</summary>
internal sealed class ExpansionLimitedStream(Stream inner, IDisposable owner, string name, long entryLimit, int ratio, ZipBudget budget, int index)
    : ObservedReadStream(inner)
{
    protected override void OnRead(long position)
    {
        if (position > entryLimit)
        {
            throw new InvalidDataException(
                $"zip entry '{name}' expanded past {entryLimit:N0} bytes, over the {ratio}:1 compression ratio limit (a zip bomb?)");
        }
        if (!budget.Report(index, position))
        {
            throw new InvalidDataException($"the zip expanded past the {budget.Limit:N0}-byte limit while reading '{name}'");
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            owner.Dispose();
        }
    }
}
