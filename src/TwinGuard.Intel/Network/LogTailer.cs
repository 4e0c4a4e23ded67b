using System.Runtime.CompilerServices;
using System.Text;

namespace TwinGuard.Intel.Network;

/// <summary>
/// Follows a log file as it grows, like <c>tail -F</c>: returns each complete line once, holds back a partial last
/// line until its newline arrives, and notices when the file is truncated or rotated.
/// </summary>
/// <remarks>
/// The file stays open (shared for read, write and delete), so after a rotation (the file renamed away and a new one
/// created at the path) the rest of the old file is read before the new one. Rotation is recognised when the file at
/// the path is shorter than what was read from the open file, or begins with different bytes; truncation in place
/// (<c>copytruncate</c>) when the open file itself becomes shorter than what was read. Not thread-safe: one reader.
/// </remarks>
public sealed class LogTailer : IDisposable
{
    private const int FingerprintBytes = 64;

    /// <summary>Longest line kept; a longer one (or a file with no newlines) is dropped, so memory stays bounded.</summary>
    public const int MaxLineBytes = 1024 * 1024;
    private readonly string _path;
    private readonly List<byte> _partial = [];
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly byte[] _fingerprint = new byte[FingerprintBytes];
    private FileStream? _stream;
    private int _fingerprintLength;
    private bool _skipToNewline;

    /// <summary>Creates a tailer that reads <paramref name="path"/> from its beginning.</summary>
    public LogTailer(string path)
    {
        _path = Path.GetFullPath(path);
    }

    /// <summary>Bytes consumed from the current file.</summary>
    public long Position { get; private set; }

    /// <summary>Times the file was found rotated.</summary>
    public int Rotations { get; private set; }

    /// <summary>Times the file was found truncated.</summary>
    public int Truncations { get; private set; }

    /// <summary>Bytes discarded: a partial line under a truncation, or lines longer than <see cref="MaxLineBytes"/>.</summary>
    public long DiscardedBytes { get; private set; }

    /// <summary>Every complete line written since the last call (without the line terminator).</summary>
    /// <returns>The lines; empty when nothing new (or the file does not exist yet).</returns>
    public IReadOnlyList<string> ReadLines()
    {
        var lines = new List<string>();
        if (_stream is null && !TryOpen())
        {
            return lines;
        }

        Drain(lines);

        // The open file shrank: truncated in place. Start it over.
        if (_stream!.Length < Position)
        {
            Truncations++;
            DiscardedBytes += _partial.Count;
            _partial.Clear();
            _skipToNewline = false;
            _stream.Position = Position = 0;
            _fingerprintLength = 0;
            Drain(lines);
        }
        else if (IsReplaced())
        {
            Rotations++;

            // The old file will not grow again: its unterminated last line is a whole line.
            if (_partial.Count > 0 && !_skipToNewline)
            {
                lines.Add(Decode(_partial.ToArray()));
            }

            _partial.Clear();
            _skipToNewline = false;

            _stream.Dispose();
            _stream = null;
            if (TryOpen())
            {
                Drain(lines);
            }
        }

        return lines;
    }

    /// <summary>Yields lines as the file grows, checking every <paramref name="pollInterval"/> of <paramref name="timeProvider"/>.</summary>
    public async IAsyncEnumerable<string> FollowAsync(
        TimeSpan pollInterval, TimeProvider timeProvider, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var line in ReadLines())
            {
                yield return line;
            }

            await Task.Delay(pollInterval, timeProvider, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stream?.Dispose();

    private bool TryOpen()
    {
        try
        {
            _stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            Position = 0;
            _fingerprintLength = 0;
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    private void Drain(List<string> lines)
    {
        int read;
        while ((read = _stream!.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            if (_fingerprintLength < FingerprintBytes && Position < FingerprintBytes)
            {
                var take = (int)Math.Min(read, FingerprintBytes - Position);
                Array.Copy(_buffer, 0, _fingerprint, Position, take);
                _fingerprintLength = (int)Position + take;
            }

            Position += read;
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (_buffer[i] != (byte)'\n')
                {
                    continue;
                }

                if (_skipToNewline)
                {
                    // The rest of an over-long line.
                    DiscardedBytes += _partial.Count + (i - start);
                    _partial.Clear();
                    _skipToNewline = false;
                }
                else if (_partial.Count > 0)
                {
                    _partial.AddRange(_buffer.AsSpan(start, i - start));
                    lines.Add(Decode(_partial.ToArray()));
                    _partial.Clear();
                }
                else
                {
                    lines.Add(Decode(_buffer.AsSpan(start, i - start)));
                }

                start = i + 1;
            }

            _partial.AddRange(_buffer.AsSpan(start, read - start));
            if (_partial.Count > MaxLineBytes)
            {
                DiscardedBytes += _partial.Count;
                _partial.Clear();
                _skipToNewline = true;
            }
        }
    }

    private bool IsReplaced()
    {
        try
        {
            using var current = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            if (current.Length < Position)
            {
                return true;
            }

            Span<byte> head = stackalloc byte[FingerprintBytes];
            var length = current.ReadAtLeast(head[.._fingerprintLength], _fingerprintLength, throwOnEndOfStream: false);
            return !head[..length].SequenceEqual(_fingerprint.AsSpan(0, length));
        }
        catch (FileNotFoundException)
        {
            // Renamed away and not yet re-created: keep reading the old file.
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    private static string Decode(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        return Encoding.UTF8.GetString(line);
    }
}
