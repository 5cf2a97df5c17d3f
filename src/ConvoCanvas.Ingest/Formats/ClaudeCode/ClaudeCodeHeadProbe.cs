using System.Text.Json;

namespace ConvoCanvas.Ingest.Formats.ClaudeCode;

/// <summary>
/// Decides from a file's first bytes whether it is a Claude Code session transcript.
/// Lines that are not JSON objects (the <c>// Source:</c> comments some shared transcripts
/// start with, blank lines) are passed over. The last line of the head is usually cut at
/// 64 KiB, and real first lines carry megabytes of base64 images, so a line is read
/// incrementally: its top-level properties are inspected until the data runs out.
/// </summary>
internal static class ClaudeCodeHeadProbe
{
    private const int MaxLinesInspected = 64;

    /// <summary>The <c>type</c> values Claude Code writes at the top level of a session line.</summary>
    public static readonly IReadOnlySet<string> LineTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "user", "assistant", "system", "summary", "progress", "queue-operation", "file-history-snapshot",
    };

    public static bool LooksLikeSession(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("\uFEFF"u8)) head = head[3..];
        for (var inspected = 0; !head.IsEmpty && inspected < MaxLinesInspected; inspected++)
        {
            var newline = head.IndexOf((byte)'\n');
            var complete = newline >= 0;
            var line = complete ? head[..newline] : head;
            head = complete ? head[(newline + 1)..] : [];

            var trimmed = line.TrimStart(" \t\r"u8);
            if (trimmed.IsEmpty || trimmed[0] != (byte)'{') continue;
            if (IsSessionLine(trimmed, complete)) return true;
        }

        return false;
    }

    private static bool IsSessionLine(ReadOnlySpan<byte> line, bool complete)
    {
        var reader = new Utf8JsonReader(line, isFinalBlock: complete, state: default);
        string? type = null;
        var hasId = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    if (!reader.Read()) break;
                    if (reader.TokenType == JsonTokenType.String) type = reader.GetString();
                }
                else if (reader.ValueTextEquals("sessionId"u8) || reader.ValueTextEquals("uuid"u8))
                {
                    hasId = true;
                    if (!reader.Read()) break;
                }
                else if (!reader.TrySkip())
                {
                    break; // the value runs past the head: decide on what was seen
                }

                if (type is not null && hasId) break;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return hasId && type is not null && LineTypes.Contains(type);
    }
}
