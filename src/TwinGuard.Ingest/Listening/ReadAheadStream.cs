namespace TwinGuard.Ingest.Listening;

/// <summary>
/// A plain TCP connection's reads, taken from the socket a block at a time; writes go straight through.
/// </summary>
/// <remarks>
/// <para>Why: MQTTnet reads every packet in two or three small reads (the fixed header's two bytes, a byte per further
/// remaining-length byte, then the body), and on a bare <see cref="System.Net.Sockets.NetworkStream"/> each read is a
/// <c>recv</c> system call: a reading of 100 bytes cost two system calls before it reached the broker's interception.
/// A publisher sending faster than the broker reads leaves dozens of packets in the socket's buffer; one read takes them
/// all, and the packet reads that follow are copies.</para>
/// <para>A read that the buffer can serve completes synchronously; only an empty buffer goes to the socket. The buffer is
/// a fixed <see cref="BufferBytes"/> per connection (admission bounds the connections). Writes are not buffered: MQTTnet
/// never flushes, it writes each packet and expects it on the wire.</para>
/// <para>TLS connections do not need it: <see cref="System.Net.Security.SslStream"/> already reads whole records and
/// serves small reads from its own buffer.</para>
/// </remarks>
internal sealed class ReadAheadStream(Stream inner) : Stream
{
    /// <summary>Bytes read from the socket at most at once: about 40 readings of 100 bytes.</summary>
    internal const int BufferBytes = 4096;

    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;
    private volatile bool _cut;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// Drops what was read ahead and ends the stream for the reader: a connection cut for containment must not go on
    /// delivering packets that were already in the buffer when it was cut.
    /// </summary>
    public void Cut() => _cut = true;

    public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_cut)
        {
            return ValueTask.FromResult(0);
        }

        if (_start < _end || destination.Length == 0)
        {
            return ValueTask.FromResult(Take(destination.Span));
        }

        return destination.Length >= BufferBytes ? inner.ReadAsync(destination, cancellationToken) : FillAsync(destination, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        if (_cut)
        {
            return 0;
        }

        if (_start == _end && destination.Length > 0)
        {
            if (destination.Length >= BufferBytes)
            {
                return inner.Read(destination);
            }

            (_start, _end) = (0, inner.Read(_buffer));
        }

        return _cut ? 0 : Take(destination);
    }

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> source) => inner.Write(source);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) => inner.WriteAsync(source, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private async ValueTask<int> FillAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        (_start, _end) = (0, read);
        return _cut ? 0 : Take(destination.Span);
    }

    private int Take(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, count).CopyTo(destination);
        _start += count;
        return count;
    }
}
