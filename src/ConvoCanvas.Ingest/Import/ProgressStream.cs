namespace ConvoCanvas.Ingest.Import;

/// <summary>
/// A forward-only, read-only stream over another that sees every read's new position: the base of
/// the import's progress counting and of the zip expansion limit.
/// </summary>
internal abstract class ObservedReadStream(Stream inner) : Stream
{
    private long _position;

    /// <summary>Called after each read with the bytes read so far; may throw to stop the read.</summary>
    protected abstract void OnRead(long position);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Advance(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Advance(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Advance(int n)
    {
        _position += n;
        OnRead(_position);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Reports how many bytes of a file have been read so far.</summary>
internal sealed class ProgressStream(Stream inner, Action<long> report) : ObservedReadStream(inner)
{
    protected override void OnRead(long position) => report(position);
}
