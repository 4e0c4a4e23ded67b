using TwinGuard.Twins.Gate;

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
/// <para>The connection's <see cref="Batch"/> learns here when the buffer is empty: before a read goes to the socket
/// (where it may wait for the client), and when the stream ends, the lanes that the receive loop deferred while more
/// bytes were buffered run (<see cref="ReceiveBatch"/>).</para>
/// <para>TLS connections do not need it: <see cref="System.Net.Security.SslStream"/> already reads whole records and
/// serves small reads from its own buffer.</para>
/// </remarks>
internal sealed class ReadAheadStream : Stream
{
    private readonly Stream _inner;

    /// <summary>Bytes read from the socket at most at once: about 40 readings of 100 bytes.</summary>
    internal const int BufferBytes = 4096;

    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;
    private volatile bool _cut;
    private Task<int>? _lastRead;

    public ReadAheadStream(Stream inner)
    {
        _inner = inner;
        Batch = new ReceiveBatch(() => !_cut && _start < _end);
    }

    /// <summary>The lanes the receive loop deferred while more of this connection's bytes were buffered.</summary>
    public ReceiveBatch Batch { get; }

    public override bool CanRead => _inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

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
            Batch.Flush();
            return ValueTask.FromResult(0);
        }

        if (_start < _end || destination.Length == 0)
        {
            return ValueTask.FromResult(Take(destination.Span));
        }

        Batch.Flush(); // the socket may make this read wait: what was read before goes to its twins first
        return destination.Length >= BufferBytes ? _inner.ReadAsync(destination, cancellationToken) : FillAsync(destination, cancellationToken);
    }

    /// <remarks>
    /// MQTTnet reads through this overload, twice per packet (header, then body); a body read served from the buffer
    /// returns the task of the previous read when the count is the same (as <see cref="MemoryStream"/> does), instead of
    /// a new <see cref="Task{TResult}"/> for every message (the runtime caches only results from -1 to 8).
    /// </remarks>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var reading = ReadAsync(buffer.AsMemory(offset, count), cancellationToken);
        if (!reading.IsCompletedSuccessfully)
        {
            return reading.AsTask();
        }

        var read = reading.Result;
        if (read <= 8)
        {
            return Task.FromResult(read); // a header's bytes: the runtime keeps these tasks, and the body's stays cached
        }

        var last = _lastRead;
        if (last is not null && last.Result == read)
        {
            return last;
        }

        return _lastRead = Task.FromResult(read);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        if (_cut)
        {
            Batch.Flush();
            return 0;
        }

        if (_start == _end && destination.Length > 0)
        {
            Batch.Flush();
            if (destination.Length >= BufferBytes)
            {
                return _inner.Read(destination);
            }

            (_start, _end) = (0, _inner.Read(_buffer));
        }

        return _cut ? 0 : Take(destination);
    }

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> source) => _inner.Write(source);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) => _inner.WriteAsync(source, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Batch.Flush(); // the connection ended: nothing it let through is left behind
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private async ValueTask<int> FillAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var read = await _inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
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
