using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats;

/// <summary>One file of an export: on disk, inside a zip, or uploaded.</summary>
/// <param name="Path">Display path: relative to what the user named, with zip entries as <c>export.zip!/conversations.json</c>.</param>
/// <param name="Length">Size in bytes (uncompressed).</param>
/// <param name="Open">Opens a fresh read stream each time it is called.</param>
public sealed record ExportFile(string Path, long Length, Func<Stream> Open)
{
    public string FileName => System.IO.Path.GetFileName(Path.Replace("!/", "/"));
}

/// <summary>
/// An export format. The reader sniffs each file's head and gives it to the first format that
/// claims it; then each format reads all the files it claimed together, so it can join related
/// files (a Claude Code session and its subagent files, the parts of a split ChatGPT export).
/// </summary>
public interface IExportFormat
{
    /// <summary>The <see cref="ConversationSources"/> value of the conversations it yields.</summary>
    string Source { get; }

    /// <summary>True if this file belongs to this format. <paramref name="head"/> is up to the first 64 KiB.</summary>
    bool Claims(ExportFile file, ReadOnlySpan<byte> head);

    /// <summary>Parses lazily: a conversation at a time, so a 200 MB export never needs 200 MB of objects.</summary>
    IEnumerable<ImportItem> Read(IReadOnlyList<ExportFile> files, ImportOptions options, CancellationToken cancellationToken);
}
