namespace ConvoCanvas.Ingest.Formats.ClaudeCode;

/// <summary>One line of a JSON Lines file, without its line break.</summary>
/// <param name="Number">1-based line number, as an editor shows it.</param>
/// <param name="Bytes">The line's UTF-8 bytes; empty when <paramref name="Oversized"/>.</param>
/// <param name="Oversized">The line was longer than the limit; its bytes were skipped, not kept.</param>
/// <param name="Length">The line's length in bytes (also when oversized).</param>
internal readonly record struct JsonLine(int Number, ReadOnlyMemory<byte> Bytes, bool Oversized, long Length);

/// <summary>
/// Reads a stream line by line as raw UTF-8. A <see cref="StreamReader"/> would buffer a line of
/// any length before we could look at its size, so a hostile 2 GB line would be read into memory;
/// here a line over the limit is skipped while it streams past and reported as oversized.
/// Bytes also go straight to the JSON parser without a detour through UTF-16 strings.
/// </summary>
internal static class JsonLineReader
{
    public static IEnumerable<JsonLine> Read(Stream stream, long maxLineBytes, CancellationToken cancellationToken = default)
    {
        var chunk = new byte[64 * 1024];
        var line = new MemoryStream();
        var lineNumber = 1;
        long lineLength = 0;
        var oversized = false;
        var atStart = true;

        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = 0;
            if (atStart)
            {
                atStart = false;
                if (chunk.AsSpan(0, read).StartsWith("\uFEFF"u8)) start = 3; // a BOM is not part of the first line
            }

            // Indexes, not spans: a span cannot live across the yield below.
            while (start < read)
            {
                var newline = Array.IndexOf(chunk, (byte)'\n', start, read - start);
                var end = newline < 0 ? read : newline;
                lineLength += end - start;
                if (!oversized)
                {
                    if (lineLength > maxLineBytes)
                    {
                        oversized = true;
                        line.SetLength(0);
                    }
                    else
                    {
                        line.Write(chunk, start, end - start);
                    }
                }

                if (newline < 0) break;
                yield return Complete(lineNumber++, line, oversized, lineLength);
                line = new MemoryStream();
                lineLength = 0;
                oversized = false;
                start = newline + 1;
            }
        }

        if (lineLength > 0 || oversized)
            yield return Complete(lineNumber, line, oversized, lineLength);
    }

    private static JsonLine Complete(int number, MemoryStream line, bool oversized, long length)
    {
        if (oversized) return new JsonLine(number, ReadOnlyMemory<byte>.Empty, true, length);
        var bytes = line.GetBuffer().AsMemory(0, (int)line.Length);
        if (!bytes.IsEmpty && bytes.Span[^1] == (byte)'\r') bytes = bytes[..^1];
        return new JsonLine(number, bytes, false, length);
    }
}
