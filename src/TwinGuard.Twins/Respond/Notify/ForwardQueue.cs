using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace TwinGuard.Twins.Respond;

/// <summary>
/// A bounded first-in first-out queue on disk of rendered messages for one notifier: what a SIEM has not yet
/// acknowledged survives the SIEM being down and TwinGuard restarting.
/// </summary>
/// <remarks>
/// <para><c>NAME.queue</c> holds one JSON string per line, appended; <c>NAME.cursor</c> the byte offset of the first
/// line not yet delivered, rewritten (write then rename) after each delivery. A crash between a delivery and its
/// cursor write sends that message again: at-least-once, and every message carries its finding's id for the receiver
/// to drop repeats. Once everything is delivered both files are emptied, so the queue takes no disk while the SIEM keeps up.</para>
/// <para>Each line is <c>{"at":MS,"m":MESSAGE}</c>, the time it was queued (lines of a queue written before carry no
/// time, a bare JSON string, and are read as such and never aged). With a <c>maxAge</c>, a message older than it when
/// its turn comes is dropped unsent and counted in <see cref="Expired"/> (<c>retention.forward_queues.max_age</c>):
/// a SIEM down for weeks gets the recent findings, not a month of stale ones first.</para>
/// <para>Bounded: at most <c>maxBytes</c> pending; a message that would exceed it is refused and counted in
/// <see cref="Dropped"/> (so is one longer than <see cref="MaxMessageBytes"/>). Appends are flushed to the operating
/// system, not synced: a process crash loses nothing, a power cut may lose the last messages. Not thread-safe on its
/// own: <see cref="FindingForwarder"/> serialises access.</para>
/// </remarks>
public sealed class ForwardQueue : IDisposable
{
    /// <summary>The longest message kept (encoded as a JSON string line).</summary>
    public const int MaxMessageBytes = 64 * 1024;

    private readonly FileStream _file;
    private readonly string _cursorPath;
    private readonly long _maxBytes;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _maxAge;
    private readonly byte[] _line = new byte[MaxMessageBytes + 1];
    private long _cursor;
    private long _length;
    private readonly List<int> _peeked = [];

    /// <summary>Opens (creating when needed) the queue <paramref name="name"/> in <paramref name="directory"/>.</summary>
    /// <param name="directory">Where the queue's files are.</param>
    /// <param name="name">The queue's name (its files' names).</param>
    /// <param name="maxBytes">The most bytes pending.</param>
    /// <param name="time">The clock that stamps and ages lines (the system's when null).</param>
    /// <param name="maxAge">Messages older than this are dropped unsent when their turn comes; null keeps them.</param>
    public ForwardQueue(string directory, string name, long maxBytes, TimeProvider? time = null, TimeSpan? maxAge = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, MaxMessageBytes);
        Directory.CreateDirectory(directory);
        _maxBytes = maxBytes;
        _time = time ?? TimeProvider.System;
        _maxAge = maxAge;
        _cursorPath = Path.Combine(directory, name + ".cursor");
        _file = new FileStream(Path.Combine(directory, name + ".queue"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        _length = _file.Length;
        _cursor = File.Exists(_cursorPath) && File.ReadAllBytes(_cursorPath) is { Length: 8 } bytes ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : 0;
        if (_cursor < 0 || _cursor > _length || !AtLineStart(_cursor))
        {
            _cursor = 0; // a damaged cursor: everything is sent again rather than anything lost
        }

        Depth = CountLines(_cursor, _length);
    }

    /// <summary>Messages waiting for delivery.</summary>
    public long Depth { get; private set; }

    /// <summary>Messages refused because the queue was full or the message too long.</summary>
    public long Dropped { get; private set; }

    /// <summary>Messages dropped unsent since the queue was opened because they were older than the maximum age.</summary>
    public long Expired { get; private set; }

    /// <summary>Messages delivered since the queue was opened.</summary>
    public long Delivered { get; private set; }

    /// <summary>Appends a message; false (and counted) when it does not fit.</summary>
    public bool TryEnqueue(string message)
    {
        var line = new ForwardLine(_time.GetUtcNow().ToUnixTimeMilliseconds(), message);
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(line, ForwardQueueJson.Default.ForwardLine) + "\n");
        if (bytes.Length > MaxMessageBytes || _length - _cursor + bytes.Length > _maxBytes)
        {
            Dropped++;
            return false;
        }

        _file.Seek(_length, SeekOrigin.Begin);
        _file.Write(bytes);
        _file.Flush();
        _length += bytes.Length;
        Depth++;
        return true;
    }

    /// <summary>The oldest message not yet delivered, if any.</summary>
    public bool TryPeek(out string message)
    {
        var run = Peek(1);
        message = run.Count > 0 ? run[0] : string.Empty;
        return run.Count > 0;
    }

    /// <summary>Up to <paramref name="max"/> of the oldest messages not yet delivered, oldest first, without taking them
    /// off the queue: <see cref="Advance"/> does, for as many of them as were delivered.</summary>
    /// <remarks>Expired messages at the head are dropped first; a run stops before an expired message further in (it is
    /// dropped once it is the head), so a run is always consecutive lines. Reads at most <paramref name="max"/> lines, each
    /// at most <see cref="MaxMessageBytes"/>: what a run holds in memory is bounded by the caller's window.</remarks>
    public IReadOnlyList<string> Peek(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        _peeked.Clear();
        var run = new List<string>(Math.Min(max, 64));
        var expired = false;
        var offset = _cursor;
        var filled = 0;
        var position = 0;
        while (run.Count < max && offset < _length)
        {
            var end = filled > position ? Array.IndexOf(_line, (byte)'\n', position, filled - position) : -1;
            if (end < 0 && (position > 0 || filled == 0))
            {
                // The next line is not whole in the buffer: read again from its start.
                _file.Seek(offset, SeekOrigin.Begin);
                filled = _file.ReadAtLeast(_line, (int)Math.Min(_line.Length, _length - offset), throwOnEndOfStream: false);
                position = 0;
                end = filled > 0 ? Array.IndexOf(_line, (byte)'\n', 0, filled) : -1;
            }

            var (at, text) = end < 0 ? (null, null) : Parse(_line.AsSpan(position, end - position));
            if (text is null)
            {
                throw new InvalidDataException($"{_file.Name}: damaged line at offset {offset}");
            }

            var length = end - position + 1;
            if (_maxAge is { } maxAge && at is { } queued && _time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(queued) > maxAge)
            {
                if (run.Count > 0)
                {
                    break;
                }

                _cursor += length;
                Depth--;
                Expired++;
                expired = true;
            }
            else
            {
                run.Add(text);
                _peeked.Add(length);
            }

            offset += length;
            position = end + 1;
        }

        if (expired)
        {
            SaveCursor();
        }

        return run;
    }

    /// <summary>Marks the first <paramref name="count"/> messages of the last <see cref="Peek"/> (or <see cref="TryPeek"/>)
    /// as delivered.</summary>
    public void Advance(int count = 1)
    {
        if (count < 1 || count > _peeked.Count)
        {
            throw new InvalidOperationException($"advancing by {count} after peeking {_peeked.Count}");
        }

        for (var i = 0; i < count; i++)
        {
            _cursor += _peeked[i];
        }

        _peeked.Clear();
        Depth -= count;
        Delivered += count;
        SaveCursor();
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private static (long? At, string? Text) Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            return line is [(byte)'"', ..]
                ? (null, JsonSerializer.Deserialize(line, ForwardQueueJson.Default.String)) // written before lines carried a time
                : JsonSerializer.Deserialize(line, ForwardQueueJson.Default.ForwardLine) is { Message: not null } parsed ? (parsed.At, parsed.Message) : (null, null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private void SaveCursor()
    {
        if (_cursor == _length)
        {
            _file.SetLength(0);
            (_cursor, _length) = (0, 0);
        }

        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, _cursor);
        var temporary = _cursorPath + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, _cursorPath, overwrite: true);
    }

    private bool AtLineStart(long offset)
    {
        if (offset == 0)
        {
            return true;
        }

        _file.Seek(offset - 1, SeekOrigin.Begin);
        return _file.ReadByte() == '\n';
    }

    private long CountLines(long from, long to)
    {
        var count = 0L;
        var buffer = new byte[64 * 1024];
        _file.Seek(from, SeekOrigin.Begin);
        for (var left = to - from; left > 0;)
        {
            var read = _file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
            {
                break;
            }

            count += buffer.AsSpan(0, read).Count((byte)'\n');
            left -= read;
        }

        return count;
    }
}
