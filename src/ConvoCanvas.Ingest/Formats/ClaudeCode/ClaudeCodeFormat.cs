using System.Text.Json;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Formats.ClaudeCode;

/// <summary>
/// Claude Code session transcripts: <c>~/.claude/projects/&lt;project&gt;/&lt;session&gt;.jsonl</c>, one JSON
/// object per line, plus subagent transcripts in <c>&lt;session&gt;/subagents/agent-*.jsonl</c>.
/// One conversation per session id, whichever files its lines are spread over.
/// </summary>
/// <remarks>
/// Files are read twice, line by line, so no file is ever held whole: a first pass notes which
/// sessions each file holds and reports broken lines; then each session is built from the files
/// that hold it and yielded before the next is read, so memory holds one session at a time.
/// </remarks>
public sealed class ClaudeCodeFormat : IExportFormat
{
    private const string MainThread = "main";

    public string Source => ConversationSources.ClaudeCode;

    public bool Claims(ExportFile file, ReadOnlySpan<byte> head) =>
        file.FileName.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) && ClaudeCodeHeadProbe.LooksLikeSession(head);

    public IEnumerable<ImportItem> Read(IReadOnlyList<ExportFile> files, ImportOptions options, CancellationToken cancellationToken)
    {
        // Main transcripts before subagent ones, so a subagent's lines join a session whose main
        // thread is already known; ordinal path order makes the result independent of listing order.
        var ordered = files
            .OrderBy(f => IsSubagentPath(f.Path) ? 1 : 0)
            .ThenBy(f => f.Path, StringComparer.Ordinal)
            .ToList();

        var index = new List<FileIndex>(ordered.Count);
        var sessionOrder = new List<string>();
        var sessionBytes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in ordered)
        {
            var entry = new FileIndex(file, DefaultSession(file.Path));
            foreach (var error in IndexFile(entry, options, cancellationToken)) yield return error;
            index.Add(entry);
            foreach (var (session, bytes) in entry.Sessions)
            {
                if (!sessionBytes.ContainsKey(session)) sessionOrder.Add(session);
                sessionBytes[session] = sessionBytes.GetValueOrDefault(session) + bytes;
            }
        }

        foreach (var session in sessionOrder)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var holders = index.Where(f => f.Sessions.ContainsKey(session)).ToList();
            if (sessionBytes[session] > options.MaxConversationBytes)
            {
                yield return ImportItem.Failed(holders[0].File.Path, $"session '{session}'",
                    $"the session's lines total {sessionBytes[session]:N0} bytes, over the {options.MaxConversationBytes:N0}-byte limit; raise ImportOptions.MaxConversationBytes to import it");
                continue;
            }

            var main = holders.FirstOrDefault(f => !IsSubagentPath(f.File.Path)) ?? holders[0];
            var builder = new ClaudeCodeSessionBuilder(session, ProjectOf(main.File.Path));
            foreach (var holder in holders)
                foreach (var line in ReadSessionLines(holder, session, options, cancellationToken))
                    builder.Add(line, ThreadOf(line, holder.File.Path));

            if (!builder.IsEmpty) yield return ImportItem.Of(builder.Build());
        }
    }

    /// <summary>First pass: which sessions the file holds, and every line that cannot be used.</summary>
    private static IEnumerable<ImportItem> IndexFile(FileIndex entry, ImportOptions options, CancellationToken cancellationToken)
    {
        using var stream = entry.File.Open();
        long unattributed = 0;
        foreach (var line in JsonLineReader.Read(stream, options.MaxMessageBytes, cancellationToken))
        {
            if (line.Oversized)
            {
                yield return ImportItem.Failed(entry.File.Path, $"line {line.Number}",
                    $"the line is {line.Length:N0} bytes, over the {options.MaxMessageBytes:N0}-byte message limit; skipped");
                continue;
            }

            if (IsBlank(line.Bytes.Span)) continue;
            string? problem = null;
            string? session = null;
            try
            {
                using var document = JsonDocument.Parse(line.Bytes, new JsonDocumentOptions { MaxDepth = options.MaxJsonDepth });
                var parsed = ClaudeCodeLineParser.Parse(document.RootElement, line.Number, entry.IdPrefix);
                session = parsed.SessionId;
            }
            catch (JsonException e)
            {
                problem = $"not JSON ({FirstSentence(e.Message)}); skipped";
            }
            catch (ClaudeCodeLineException e)
            {
                problem = $"{e.Message}; skipped";
            }

            if (problem is not null)
            {
                yield return ImportItem.Failed(entry.File.Path, $"line {line.Number}", problem);
                continue;
            }

            if (session is null)
            {
                unattributed += line.Length; // snapshots and the like often carry no session id
                continue;
            }

            entry.FirstSession ??= session;
            entry.Sessions[session] = entry.Sessions.GetValueOrDefault(session) + line.Length;
        }

        entry.FirstSession ??= entry.DefaultSession;
        if (unattributed > 0)
            entry.Sessions[entry.FirstSession] = entry.Sessions.GetValueOrDefault(entry.FirstSession) + unattributed;
    }

    /// <summary>Second pass: the usable lines of one session in one file. Errors were reported by the first pass.</summary>
    private static IEnumerable<ClaudeCodeLine> ReadSessionLines(FileIndex entry, string session, ImportOptions options, CancellationToken cancellationToken)
    {
        using var stream = entry.File.Open();
        foreach (var line in JsonLineReader.Read(stream, options.MaxMessageBytes, cancellationToken))
        {
            if (line.Oversized || IsBlank(line.Bytes.Span)) continue;
            ClaudeCodeLine? parsed;
            try
            {
                using var document = JsonDocument.Parse(line.Bytes, new JsonDocumentOptions { MaxDepth = options.MaxJsonDepth });
                parsed = ClaudeCodeLineParser.Parse(document.RootElement, line.Number, entry.IdPrefix);
            }
            catch (Exception e) when (e is JsonException or ClaudeCodeLineException)
            {
                continue;
            }

            if ((parsed.SessionId ?? entry.FirstSession) == session) yield return parsed;
        }
    }

    private static string ThreadOf(ClaudeCodeLine line, string path) =>
        line.IsSidechain ? $"{path}|agent:{line.AgentId}" : $"{path}|{MainThread}";

    internal static bool IsSubagentPath(string path) => Normalise(path).Contains("/subagents/", StringComparison.Ordinal);

    /// <summary>
    /// The session a file belongs to when its lines do not say: a subagent file's session folder,
    /// else the file name (Claude Code names each transcript after its session id).
    /// </summary>
    internal static string DefaultSession(string path)
    {
        var parts = Normalise(path).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var subagents = Array.LastIndexOf(parts, "subagents");
        if (subagents > 0) return parts[subagents - 1];
        return Path.GetFileNameWithoutExtension(parts[^1]);
    }

    /// <summary>The project folder Claude Code keeps the session under (an escaped working directory).</summary>
    internal static string? ProjectOf(string path)
    {
        var parts = Normalise(path).Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? parts[^2] : null;
    }

    private static string Normalise(string path) => path.Replace("!/", "/").Replace('\\', '/');

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r"u8).IsEmpty;

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }

    private sealed class FileIndex(ExportFile file, string defaultSession)
    {
        public ExportFile File { get; } = file;
        public string DefaultSession { get; } = defaultSession;
        /// <summary>The first session id a line of the file named (else the default); lines without one belong to it.</summary>
        public string? FirstSession { get; set; }
        /// <summary>Session id → bytes of its lines in this file, in order of appearance.</summary>
        public Dictionary<string, long> Sessions { get; } = new(StringComparer.Ordinal);
        /// <summary>Ids for lines without a uuid: unique per file, stable across re-imports of the same file.</summary>
        public string IdPrefix => Path.GetFileNameWithoutExtension(File.FileName);
    }
}
