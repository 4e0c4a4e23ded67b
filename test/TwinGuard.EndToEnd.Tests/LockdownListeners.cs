using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>Real receivers for the notifiers, and parsers that read their messages back independently of TwinGuard's code.</summary>
internal static partial class LockdownListeners
{
    /// <summary>One RFC 5424 datagram (RFC 5426: one message per datagram).</summary>
    public static async Task<string> ReceiveUdpAsync(UdpClient udp, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var result = await udp.ReceiveAsync(cts.Token);
        return Encoding.UTF8.GetString(result.Buffer);
    }

    /// <summary>One octet-counted frame (RFC 6587 §3.4.1: MSG-LEN SP SYSLOG-MSG).</summary>
    public static async Task<string> ReceiveTcpFrameAsync(TcpListener listener, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var client = await listener.AcceptTcpClientAsync(cts.Token);
        return await ReadFrameAsync(client.GetStream(), cts.Token);
    }

    /// <summary>One octet-counted frame inside TLS (RFC 5425 §4.3), as a collector with this certificate receives it.</summary>
    public static async Task<string> ReceiveTlsFrameAsync(TcpListener listener, string certificateFile, string keyFile, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var client = await listener.AcceptTcpClientAsync(cts.Token);
        await using var tls = new System.Net.Security.SslStream(client.GetStream());
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        await tls.AuthenticateAsServerAsync(new System.Net.Security.SslServerAuthenticationOptions { ServerCertificate = certificate }, cts.Token);
        Assert.True(tls.SslProtocol >= System.Security.Authentication.SslProtocols.Tls12, tls.SslProtocol.ToString());
        return await ReadFrameAsync(tls, cts.Token);
    }

    internal static async Task<string> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var length = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            if (one[0] == (byte)' ')
            {
                break;
            }

            Assert.InRange(one[0], (byte)'0', (byte)'9');
            length.Append((char)one[0]);
        }

        var message = new byte[int.Parse(length.ToString(), CultureInfo.InvariantCulture)];
        await stream.ReadExactlyAsync(message, cancellationToken);
        return Encoding.UTF8.GetString(message);
    }

    /// <summary>Splits an RFC 5424 message (§6) into its parts.</summary>
    public static (int Facility, int Severity, string Timestamp, string Host, string App, string MsgId, string StructuredData, string Message) ParseSyslog(string text)
    {
        var match = Syslog5424().Match(text);
        Assert.True(match.Success, "not an RFC 5424 message: " + text);
        var pri = int.Parse(match.Groups["pri"].Value, CultureInfo.InvariantCulture);
        return (pri / 8, pri % 8, match.Groups["ts"].Value, match.Groups["host"].Value, match.Groups["app"].Value, match.Groups["msgid"].Value,
            match.Groups["sd"].Value, match.Groups["msg"].Value);
    }

    /// <summary>Splits a CEF line into its seven header fields and its extension (unescaping both).</summary>
    public static (string[] Header, Dictionary<string, string> Extension) ParseCef(string line)
    {
        var header = new List<string>();
        var current = new StringBuilder();
        var i = 0;
        for (; i < line.Length && header.Count < 7; i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length)
            {
                current.Append(line[++i]);
            }
            else if (line[i] == '|')
            {
                header.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(line[i]);
            }
        }

        var extension = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = line[i..];
        foreach (Match pair in CefPair().Matches(rest))
        {
            var value = pair.Groups["v"].Value.Trim()
                .Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\=", "=", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            extension[pair.Groups["k"].Value] = value;
        }

        return (header.ToArray(), extension);
    }

    [GeneratedRegex(@"^<(?<pri>\d{1,3})>1 (?<ts>\S+) (?<host>\S+) (?<app>\S+) (?<proc>\S+) (?<msgid>\S+) (?<sd>-|(\[[^\]]*(\\\][^\]]*)*\])+) (?<msg>.*)$", RegexOptions.Singleline)]
    private static partial Regex Syslog5424();

    // A key, '=', then everything up to the next unescaped " key=" or the end.
    [GeneratedRegex(@"(?<k>[A-Za-z0-9_]+)=(?<v>(?:\\.|[^\\])*?)(?=\s+[A-Za-z0-9_]+=|$)")]
    private static partial Regex CefPair();
}
