using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace TwinGuard.Twins.Respond;

/// <summary>
/// The client side of one RELP session (the Reliable Event Logging Protocol of librelp, spoken by rsyslog's
/// <c>imrelp</c>/<c>omrelp</c>, syslog-ng and NXLog): <c>open</c>, then <c>syslog</c> commands each answered by an
/// <c>rsp</c> with the same transaction number, then <c>close</c>.
/// </summary>
/// <remarks>
/// <para>librelp doc/relp.html, "RELP frame": <c>RELP-FRAME = HEADER DATA TRAILER</c>, <c>HEADER = TXNR SP COMMAND SP
/// DATALEN</c>, <c>DATA = [SP 1*OCTET]</c> (absent when DATALEN is 0), <c>TRAILER = LF</c>; TXNR and DATALEN are at most
/// nine digits, COMMAND at most 32 letters. TXNR starts at 1 and goes up by one per command, 999,999,999 wrapping to 1;
/// 0 is the server's own (<c>serverclose</c>).</para>
/// <para>A response's DATA is <c>RSP-CODE [SP HUMANMSG] [LF CMDDATA]</c>, 200 meaning the server has taken the message
/// (what rsyslog does with it before answering is its queue's business: a <c>Direct</c> main queue writes it first).</para>
/// <para>A window of several commands in flight (librelp's client keeps up to its window of unanswered commands,
/// <c>RELP_DFLT_WINDOW_SIZE</c> 128, omrelp's <c>windowSize</c>): <see cref="SendAsync"/> writes a run of
/// <c>syslog</c> commands back to back and then reads their answers, which come in the order the commands were sent
/// (librelp's server answers each command as it processes it, one after the other). An answer for any other transaction,
/// or anything but <c>rsp</c>, breaks the session. <see cref="Acknowledged"/> counts the prefix of the run answered 200,
/// so what the caller counts as delivered is exactly what the collector acknowledged. Not thread-safe:
/// <see cref="RelpNotifier"/> serialises its use.</para>
/// </remarks>
internal sealed class RelpSession : IDisposable
{
    /// <summary>The largest response accepted (an <c>open</c> answer lists the server's offers: a few hundred bytes).</summary>
    internal const int MaxResponseBytes = 16 * 1024;

    private const int MaxTxnr = 999_999_999;
    private const int MaxDigits = 9;
    private const int MaxCommandLength = 32;
    private const int KeptFrameBytes = 256 * 1024;

    private readonly TcpClient _client;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[MaxResponseBytes + 64];
    private readonly MemoryStream _frames = new();
    private int _start;
    private int _end;
    private int _txnr;
    private int _lastTerminator;

    private RelpSession(TcpClient client, Stream stream)
    {
        _client = client;
        _stream = stream;
    }

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> and opens the session (librelp relp.html,
    /// "open": the client offers <c>relp_version=0</c> and <c>commands=syslog</c>; the server must answer 200 and offer
    /// <c>syslog</c> back).</summary>
    /// <exception cref="IOException">The server refused the session, or does not take <c>syslog</c> commands.</exception>
    public static async Task<RelpSession> OpenAsync(string host, int port, ClientTls? tls, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        RelpSession? session = null;
        try
        {
            await client.ConnectAsync(host, port, cancellationToken);
            Stream stream = client.GetStream();
            if (tls is not null)
            {
                stream = await SyslogTlsSession.OpenAsync(stream, host, tls, cancellationToken);
            }

            session = new RelpSession(client, stream);
            var offers = await session.CommandAsync("open", "relp_version=0\nrelp_software=twinguard\ncommands=syslog"u8.ToArray(), cancellationToken);
            if (!offers.Split('\n').Any(o => o.StartsWith("commands=", StringComparison.Ordinal) && o["commands=".Length..].Split(',').Contains("syslog", StringComparer.Ordinal)))
            {
                throw new IOException($"relp://{host}:{port}: the server does not offer the syslog command");
            }

            return session;
        }
        catch
        {
            if (session is not null)
            {
                session.Dispose();
            }
            else
            {
                client.Dispose();
            }

            throw;
        }
    }

    /// <summary>How many messages of the run <see cref="SendAsync"/> is sending (or last sent), from the first, the server
    /// answered 200: when it throws, those are delivered and the rest are not.</summary>
    public int Acknowledged { get; private set; }

    /// <summary>Sends a run of syslog messages, all in flight at once, and returns once the server answered 200 to every
    /// one; <see cref="Acknowledged"/> counts them as the answers come.</summary>
    /// <exception cref="IOException">The connection broke, the server closed the session, answered out of order, or
    /// refused a message.</exception>
    public async Task SendAsync(IReadOnlyList<byte[]> messages, CancellationToken cancellationToken)
    {
        Acknowledged = 0;
        var expected = _txnr;
        foreach (var message in messages)
        {
            WriteFrame("syslog", message);
        }

        await FlushFramesAsync(cancellationToken);
        for (var i = 0; i < messages.Count; i++)
        {
            expected = expected == MaxTxnr ? 1 : expected + 1;
            await ReadAnswerAsync("syslog", expected, cancellationToken);
            Acknowledged++;
        }
    }

    /// <summary>Closes the session politely (a <c>close</c> command, its answer awaited) when the connection still works.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CommandAsync("close", [], cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // Closing anyway: an unanswered close loses nothing, every message was answered.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
        _frames.Dispose();
    }

    /// <summary>Sends a command and awaits its <c>rsp</c>; returns the response's CMDDATA (after the first line).</summary>
    private async Task<string> CommandAsync(string command, byte[] data, CancellationToken cancellationToken)
    {
        var txnr = WriteFrame(command, data);
        await FlushFramesAsync(cancellationToken);
        return await ReadAnswerAsync(command, txnr, cancellationToken);
    }

    /// <summary>Adds one command frame with the next transaction number to those not yet written; returns that number.</summary>
    private int WriteFrame(string command, byte[] data)
    {
        _txnr = _txnr == MaxTxnr ? 1 : _txnr + 1;
        _frames.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{_txnr} {command} {data.Length}{(data.Length > 0 ? " " : "")}")));
        _frames.Write(data);
        _frames.WriteByte((byte)'\n');
        return _txnr;
    }

    /// <summary>Writes the frames added since the last call in one write (one TLS record, few TCP segments, rather than
    /// three small writes per message).</summary>
    private async Task FlushFramesAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(_frames.GetBuffer().AsMemory(0, (int)_frames.Length), cancellationToken);
        await _stream.FlushAsync(cancellationToken);
        _frames.SetLength(0);
        if (_frames.Capacity > KeptFrameBytes)
        {
            _frames.Capacity = KeptFrameBytes; // a run of large messages does not pin its buffer for the session's life
        }
    }

    /// <summary>Reads the next frame, which must be the <c>rsp</c> to transaction <paramref name="txnr"/> with code 200;
    /// returns its CMDDATA.</summary>
    private async Task<string> ReadAnswerAsync(string command, int txnr, CancellationToken cancellationToken)
    {
        var (answerTxnr, answerCommand, answer) = await ReadFrameAsync(cancellationToken);
        if (answerTxnr == 0 && answerCommand == "serverclose")
        {
            throw new IOException("the RELP server closed the session (serverclose)");
        }

        if (answerCommand != "rsp" || answerTxnr != txnr)
        {
            throw new IOException($"RELP: expected 'rsp' for transaction {txnr}, received '{answerCommand}' for {answerTxnr}");
        }

        if (command == "close")
        {
            return string.Empty; // relp.html, "close": the answer to close carries no data
        }

        // RSP-DATA = RSP-CODE [SP HUMANMSG] [LF CMDDATA]
        var text = Encoding.UTF8.GetString(answer);
        var lf = text.IndexOf('\n', StringComparison.Ordinal);
        var firstLine = lf >= 0 ? text[..lf] : text;
        if (!firstLine.StartsWith("200", StringComparison.Ordinal))
        {
            throw new IOException($"RELP: the server answered '{Printable(firstLine)}' to {command} (transaction {txnr})");
        }

        return lf >= 0 ? text[(lf + 1)..] : string.Empty;
    }

    private async Task<(int Txnr, string Command, byte[] Data)> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var txnr = int.Parse(await ReadTokenAsync(MaxDigits, digits: true, cancellationToken), NumberStyles.None, CultureInfo.InvariantCulture);
        var command = await ReadTokenAsync(MaxCommandLength, digits: false, cancellationToken);
        var length = int.Parse(await ReadTokenAsync(MaxDigits, digits: true, cancellationToken, endsWithLineFeed: true), NumberStyles.None, CultureInfo.InvariantCulture);
        if (length > MaxResponseBytes)
        {
            throw new IOException($"RELP: a response of {length} bytes (at most {MaxResponseBytes})");
        }

        if (_lastTerminator == '\n')
        {
            // DATALEN 0 with no DATA: the LF that ended the number was the trailer.
            return length == 0 ? (txnr, command, []) : throw new IOException("RELP: frame ended before its data");
        }

        var data = new byte[length];
        for (var copied = 0; copied < length;)
        {
            await FillAsync(cancellationToken);
            var n = Math.Min(length - copied, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(data.AsSpan(copied));
            _start += n;
            copied += n;
        }

        await FillAsync(cancellationToken);
        if (_buffer[_start++] != '\n')
        {
            throw new IOException("RELP: frame without its LF trailer");
        }

        return (txnr, command, data);
    }

    /// <summary>Reads up to an SP (or, for DATALEN, an SP or LF): a number of at most nine digits, or a command of letters.</summary>
    private async Task<string> ReadTokenAsync(int maxLength, bool digits, CancellationToken cancellationToken, bool endsWithLineFeed = false)
    {
        var token = new StringBuilder(maxLength);
        while (true)
        {
            await FillAsync(cancellationToken);
            var b = _buffer[_start++];
            if (b == ' ' || (endsWithLineFeed && b == '\n'))
            {
                _lastTerminator = b;
                return token.Length > 0 ? token.ToString() : throw new IOException("RELP: empty header field");
            }

            var valid = digits ? char.IsAsciiDigit((char)b) : char.IsAsciiLetter((char)b);
            if (!valid || token.Length == maxLength)
            {
                throw new IOException($"RELP: malformed frame header near '{Printable(token.ToString())}'");
            }

            token.Append((char)b);
        }
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start < _end)
        {
            return;
        }

        _start = 0;
        _end = await _stream.ReadAsync(_buffer, cancellationToken);
        if (_end == 0)
        {
            throw new IOException("the RELP server closed the connection");
        }
    }

    private static string Printable(string value) => new(value.Where(c => c is >= ' ' and < (char)127).Take(120).ToArray());
}
