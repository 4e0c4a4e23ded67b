using System.Globalization;
using System.Runtime.CompilerServices;

namespace TwinGuard.Intel.Network;

/// <summary>Follows a Suricata EVE or Zeek <c>conn.log</c> file and turns new lines into <see cref="NetworkEvent"/>s.</summary>
/// <remarks>A malformed line is reported (file, line number, why) and skipped; it never stops the reader.</remarks>
public sealed class NetworkLogReader : IDisposable
{
    private readonly LogTailer _tailer;
    private readonly string _path;
    private ZeekConnLogParser? _zeek;
    private long _lineNumber;
    private int _rotations;
    private int _truncations;

    /// <summary>Creates a reader of <paramref name="path"/>.</summary>
    /// <param name="path">The log file.</param>
    /// <param name="format">Its format; recognised from the first line when <see cref="NetworkLogFormat.Auto"/>.</param>
    public NetworkLogReader(string path, NetworkLogFormat format = NetworkLogFormat.Auto)
    {
        _path = path;
        _tailer = new LogTailer(path);
        Format = format;
        _zeek = format == NetworkLogFormat.ZeekConn ? new ZeekConnLogParser() : null;
    }

    /// <summary>The format, once known.</summary>
    public NetworkLogFormat Format { get; private set; }

    /// <summary>Reads whatever has been appended since the last call.</summary>
    /// <param name="problems">Receives one line per malformed record: file, line number and why.</param>
    /// <returns>The new events.</returns>
    public IReadOnlyList<NetworkEvent> ReadAvailable(ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var events = new List<NetworkEvent>();
        var lines = _tailer.ReadLines();
        if (_tailer.Rotations != _rotations || _tailer.Truncations != _truncations)
        {
            // A new file: Zeek writes a fresh header, line numbers restart.
            (_rotations, _truncations, _lineNumber) = (_tailer.Rotations, _tailer.Truncations, 0);
            _lineNumber = 0;
        }

        foreach (var line in lines)
        {
            _lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (Format == NetworkLogFormat.Auto)
            {
                Format = line.StartsWith('#') || line.Contains("\"id.orig_h\"", StringComparison.Ordinal)
                    ? NetworkLogFormat.ZeekConn
                    : NetworkLogFormat.SuricataEve;
                _zeek = Format == NetworkLogFormat.ZeekConn ? new ZeekConnLogParser() : null;
            }

            NetworkEvent? ev;
            string? error;
            var ok = _zeek is not null ? _zeek.TryParse(line, out ev, out error) : EveJsonParser.TryParse(line, out ev, out error);
            if (!ok)
            {
                problems.Add($"{_path}:{_lineNumber.ToString(CultureInfo.InvariantCulture)}: {error}");
            }
            else if (ev is not null)
            {
                events.Add(ev);
            }
        }

        return events;
    }

    /// <summary>Yields events as the file grows, checking every <paramref name="pollInterval"/>; malformed lines go to <paramref name="problems"/>.</summary>
    public async IAsyncEnumerable<NetworkEvent> FollowAsync(
        TimeSpan pollInterval,
        TimeProvider timeProvider,
        ICollection<string> problems,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var ev in ReadAvailable(problems))
            {
                yield return ev;
            }

            await Task.Delay(pollInterval, timeProvider, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _tailer.Dispose();
}
