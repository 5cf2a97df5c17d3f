using System.Buffers;
using System.Text.Json;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Json;

/// <summary>One element of a streamed JSON array: a parsed document, or why it could not be read.</summary>
/// <remarks>The document is disposed by the stream when the caller moves on; do not keep its elements.</remarks>
public sealed class StreamedElement
{
    public required int Index { get; init; }
    public JsonElement Element => Document?.RootElement ?? default;
    public JsonDocument? Document { get; init; }
    public string? Error { get; init; }
    /// <summary>A title or name seen in the element's first bytes, for error messages when parsing failed.</summary>
    public string? TitleHint { get; init; }
    /// <summary>The file held a single object rather than an array of them.</summary>
    public bool IsSingleObject { get; init; }
    /// <summary>True when reading cannot go on after this error (the stream is out of step or broken).</summary>
    public bool IsFatal { get; init; }
}

/// <summary>
/// Reads a top-level JSON array (or a single object) one element at a time, so a 200 MB export
/// never needs 200 MB at once: a <see cref="Utf8JsonReader"/> walks a buffer that grows only as
/// far as the largest element, and its state is carried across refills.
/// </summary>
public static class JsonElementStream
{
    private const int InitialBuffer = 64 * 1024;

    public static IEnumerable<StreamedElement> Read(Stream stream, ImportOptions options, CancellationToken cancellationToken = default)
    {
        var scanner = new ElementScanner(stream, options);
        try
        {
            var index = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var scan = scanner.Next(index);
                if (scan.Kind == ScanKind.End)
                {
                    yield break;
                }
                if (scan.Kind == ScanKind.Error)
                {
                    yield return new StreamedElement
                    {
                        Index = index, Error = scan.Error, TitleHint = scan.TitleHint,
                        IsSingleObject = scanner.IsSingleObject, IsFatal = scan.Fatal,
                    };
                    if (scan.Fatal)
                    {
                        yield break;
                    }
                    index++;
                    continue;
                }

                JsonDocument? document = null;
                string? error = null;
                try
                {
                    // The bytes were already checked by the scanner; this only builds the DOM, without copying.
                    document = JsonDocument.Parse(scanner.ElementBytes(scan), new JsonDocumentOptions { MaxDepth = options.MaxJsonDepth + 2 });
                }
                catch (JsonException ex)
                {
                    error = $"invalid JSON: {ex.Message}";
                }

                if (document is null)
                {
                    yield return new StreamedElement { Index = index, Error = error, IsSingleObject = scanner.IsSingleObject };
                }
                else
                {
                    using (document)
                    {
                        yield return new StreamedElement { Index = index, Document = document, IsSingleObject = scanner.IsSingleObject };
                    }
                }
                index++;
            }
        }
        finally
        {
            scanner.Dispose();
        }
    }

    private enum ScanKind { Element, Error, End }

    private readonly record struct Scan(ScanKind Kind, int Start = 0, int Length = 0, string? Error = null, string? TitleHint = null, bool Fatal = false);

    /// <summary>The state machine behind <see cref="Read"/>; kept out of the iterator because the reader is a ref struct.</summary>
    private sealed class ElementScanner(Stream stream, ImportOptions options) : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        private int _dataEnd;
        private int _readPos;
        private long _bufferOffset; // file offset of _buffer[0], for error positions
        private bool _eof;
        private bool _started;
        private bool _finished;
        private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = options.MaxJsonDepth + 2 });

        public bool IsSingleObject { get; private set; }

        public ReadOnlyMemory<byte> ElementBytes(Scan scan) => new(_buffer, scan.Start, scan.Length);

        public Scan Next(int index)
        {
            if (_finished)
            {
                return new Scan(ScanKind.End);
            }
            try
            {
                if (!_started)
                {
                    var opening = Start();
                    if (opening is { } failed)
                    {
                        _finished = true;
                        return failed;
                    }
                }
                var scan = ScanElement(index);
                if (scan.Kind == ScanKind.End || scan.Fatal || IsSingleObject)
                {
                    _finished = scan.Kind != ScanKind.Element || IsSingleObject;
                }
                return scan;
            }
            catch (IOException ex)
            {
                _finished = true;
                return new Scan(ScanKind.Error, Error: $"could not read element {index}: {ex.Message}", Fatal: true);
            }
            catch (InvalidDataException ex)
            {
                _finished = true;
                return new Scan(ScanKind.Error, Error: $"could not read element {index}: {ex.Message}", Fatal: true);
            }
        }

        /// <summary>Reads up to the first token: '[' starts array mode, '{' single-object mode.</summary>
        private Scan? Start()
        {
            Fill();
            if (_dataEnd >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
            {
                _readPos = 3;
            }
            if (OnlyWhitespaceLeft())
            {
                return new Scan(ScanKind.Error, Error: "the file is empty", Fatal: true);
            }
            while (true)
            {
                var reader = new Utf8JsonReader(_buffer.AsSpan(_readPos, _dataEnd - _readPos), _eof, _state);
                bool read;
                try
                {
                    read = reader.Read();
                }
                catch (JsonException ex)
                {
                    return new Scan(ScanKind.Error, Error: $"not JSON: {ex.Message}", Fatal: true);
                }
                if (read)
                {
                    _started = true;
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        Commit(ref reader);
                        return null;
                    }
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        // Leave the '{' unread: the whole object is element 0.
                        IsSingleObject = true;
                        return null;
                    }
                    return new Scan(ScanKind.Error, Error: $"expected a JSON array or object at the top, found {Describe(reader.TokenType)}", Fatal: true);
                }
                if (_eof)
                {
                    return new Scan(ScanKind.Error, Error: "the file is empty", Fatal: true);
                }
                Commit(ref reader);
                Refill(_readPos);
            }
        }

        private Scan ScanElement(int index)
        {
            var elementStart = -1; // buffer index of the element's first byte, while it is being kept
            var depth = 0;
            var oversize = false;
            string? titleHint = null;
            while (true)
            {
                var reader = new Utf8JsonReader(_buffer.AsSpan(_readPos, _dataEnd - _readPos), _eof, _state);
                try
                {
                    while (reader.Read())
                    {
                        if (reader.CurrentDepth > options.MaxJsonDepth)
                        {
                            return new Scan(ScanKind.Error,
                                Error: $"element {index} is nested deeper than {options.MaxJsonDepth} levels (at byte {Offset(ref reader)})",
                                TitleHint: titleHint ?? Hint(elementStart), Fatal: true);
                        }
                        if (elementStart < 0 && !oversize)
                        {
                            if (reader.TokenType == JsonTokenType.EndArray && !IsSingleObject)
                            {
                                Commit(ref reader);
                                return new Scan(ScanKind.End);
                            }
                            elementStart = _readPos + (int)reader.TokenStartIndex;
                        }
                        switch (reader.TokenType)
                        {
                            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                                depth++;
                                break;
                            case JsonTokenType.EndObject or JsonTokenType.EndArray:
                                depth--;
                                break;
                        }
                        if (!oversize && elementStart >= 0 && _readPos + reader.BytesConsumed - elementStart > options.MaxConversationBytes)
                        {
                            // Keep only what a title hint needs and skip the rest without buffering it.
                            oversize = true;
                            titleHint = Hint(elementStart);
                            elementStart = -1;
                        }
                        if (depth == 0)
                        {
                            var end = _readPos + (int)reader.BytesConsumed;
                            Commit(ref reader);
                            if (oversize)
                            {
                                return new Scan(ScanKind.Error,
                                    Error: $"element {index} is larger than the {options.MaxConversationBytes:N0}-byte limit for one conversation",
                                    TitleHint: titleHint);
                            }
                            return new Scan(ScanKind.Element, elementStart, end - elementStart);
                        }
                    }
                }
                catch (JsonException ex)
                {
                    var reason = _eof && IsValidPrefix() ? "the file is truncated" : $"invalid JSON: {ex.Message}";
                    return new Scan(ScanKind.Error, Error: $"element {index}: {reason}",
                        TitleHint: titleHint ?? Hint(elementStart), Fatal: true);
                }
                if (_eof)
                {
                    return new Scan(ScanKind.Error, Error: $"element {index}: the file is truncated",
                        TitleHint: titleHint ?? Hint(elementStart), Fatal: true);
                }
                Commit(ref reader);
                Refill(elementStart >= 0 ? elementStart : _readPos);
                if (elementStart >= 0)
                {
                    elementStart = 0;
                }
            }
        }

        private void Commit(ref Utf8JsonReader reader)
        {
            _readPos += (int)reader.BytesConsumed;
            _state = reader.CurrentState;
        }

        /// <summary>Drops bytes before <paramref name="keepFrom"/>, grows the buffer if still full, and reads more.</summary>
        private void Refill(int keepFrom)
        {
            var kept = _dataEnd - keepFrom;
            var bytesBeforeReadPos = _readPos - keepFrom;
            if (kept >= _buffer.Length / 2)
            {
                var newSize = (long)_buffer.Length * 2;
                var ceiling = options.MaxConversationBytes + InitialBuffer;
                if (newSize > Array.MaxLength || (kept >= ceiling))
                {
                    throw new InvalidDataException($"a single JSON token is larger than the {options.MaxConversationBytes:N0}-byte limit");
                }
                var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(newSize, Array.MaxLength));
                Buffer.BlockCopy(_buffer, keepFrom, bigger, 0, kept);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            else if (keepFrom > 0)
            {
                Buffer.BlockCopy(_buffer, keepFrom, _buffer, 0, kept);
            }
            _bufferOffset += keepFrom;
            _dataEnd = kept;
            _readPos = bytesBeforeReadPos;
            Fill();
        }

        /// <summary>Reads until the buffer is full or the stream ends, so a rescan never happens on a half-empty buffer.</summary>
        private void Fill()
        {
            while (!_eof && _dataEnd < _buffer.Length)
            {
                var n = stream.Read(_buffer, _dataEnd, _buffer.Length - _dataEnd);
                if (n == 0)
                {
                    _eof = true;
                }
                _dataEnd += n;
            }
        }

        private bool OnlyWhitespaceLeft()
        {
            for (var i = _readPos; i < _dataEnd; i++)
            {
                if (_buffer[i] is not (0x20 or 0x09 or 0x0A or 0x0D))
                {
                    return false;
                }
            }
            return _eof;
        }

        /// <summary>True when the unread bytes are valid JSON that simply stops: truncation rather than corruption.</summary>
        private bool IsValidPrefix()
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_readPos, _dataEnd - _readPos), isFinalBlock: false, _state);
            try
            {
                while (reader.Read())
                {
                }
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private long Offset(ref Utf8JsonReader reader) => _bufferOffset + _readPos + reader.BytesConsumed;

        private string? Hint(int elementStart)
        {
            if (elementStart < 0)
            {
                return null;
            }
            var available = Math.Min(_dataEnd - elementStart, 64 * 1024);
            return JsonHead.FindTitle(_buffer.AsSpan(elementStart, Math.Max(0, available)));
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
