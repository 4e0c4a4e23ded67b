using System.Globalization;
using System.Net.Sockets;
using System.Text;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>Sends alerts as RFC 5424 syslog messages whose MSG is a CEF line, over UDP or TCP.</summary>
/// <remarks>
/// RFC 5424 §6: <c>&lt;PRI&gt;1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG</c>, facility 4 (security/authorisation,
/// §6.2.1 table 1). UDP: one message per datagram (RFC 5426 §3.1). TCP: octet-counting framing, <c>MSG-LEN SP
/// SYSLOG-MSG</c> (RFC 6587 §3.4.1). The structured data uses the SD-ID <c>twinguard@32473</c> (32473 is the
/// private enterprise number reserved for documentation, RFC 5612). TLS (RFC 5425): the same octet-counting framing
/// (§4.3) inside a TLS 1.2+ session, the collector's certificate checked against the pinned CA and its host name.
/// </remarks>
public sealed class SyslogNotifier(NotifierModel model) : INotifier
{
    private const int Facility = 4;

    /// <inheritdoc />
    public string Id => model.Id;

    /// <summary>The RFC 5424 message of an alert.</summary>
    public static string Format(IncidentAlert alert, string hostName)
    {
        var incident = alert.Context.Incident;
        var pri = (Facility * 8) + SyslogSeverity(incident.Severity);
        var time = alert.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"<{pri}>1 {time} {Token(hostName)} twinguard {Environment.ProcessId} incident [twinguard@32473 incident=\"{incident.Id}\" severity=\"{incident.Severity.ToString().ToLowerInvariant()}\" scope=\"{SdValue(incident.Scope)}\" playbook=\"{SdValue(alert.Playbook)}\"] {CefFormatter.Format(alert)}");
    }

    /// <summary>RFC 5424 §6.2.1 severities: critical 2, high 3 (error), medium 4 (warning), low 5 (notice), info 6.</summary>
    public static int SyslogSeverity(Severity severity) => severity switch
    {
        Severity.Critical => 2,
        Severity.High => 3,
        Severity.Medium => 4,
        Severity.Low => 5,
        _ => 6,
    };

    /// <summary>The RFC 5424 message of a forwarded finding.</summary>
    public static string Format(ForwardedFinding forwarded, string hostName)
    {
        var f = forwarded.Finding;
        var pri = (Facility * 8) + SyslogSeverity(f.Severity);
        var time = f.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"<{pri}>1 {time} {Token(hostName)} twinguard {Environment.ProcessId} finding [twinguard@32473 finding=\"{forwarded.Id}\" severity=\"{f.Severity.ToString().ToLowerInvariant()}\" reason=\"{f.Reason.Name()}\"] {CefFormatter.Format(forwarded)}");
    }

    /// <inheritdoc />
    public Task<string> NotifyAsync(IncidentAlert alert, CancellationToken cancellationToken) => DeliverAsync(Format(alert, Environment.MachineName), cancellationToken);

    /// <inheritdoc />
    public string Render(ForwardedFinding finding) => Format(finding, Environment.MachineName);

    /// <inheritdoc />
    public async Task<string> DeliverAsync(string rendered, CancellationToken cancellationToken)
    {
        var message = Encoding.UTF8.GetBytes(rendered);
        if (model.Tcp)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(model.Host!, model.Port, cancellationToken);
            Stream stream = client.GetStream();
            if (model.Tls is { } tls)
            {
                stream = await SyslogTlsSession.OpenAsync(stream, model.Host!, tls, cancellationToken);
            }

            await using (stream)
            {
                // RFC 6587 §3.4.1 and RFC 5425 §4.3: SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG.
                var frame = Encoding.ASCII.GetBytes(message.Length.ToString(CultureInfo.InvariantCulture) + " ");
                await stream.WriteAsync(frame, cancellationToken);
                await stream.WriteAsync(message, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
        }
        else
        {
            using var client = new UdpClient();
            await client.SendAsync(message, model.Host!, model.Port, cancellationToken);
        }

        return $"syslog {(model.Tls is not null ? "tls" : model.Tcp ? "tcp" : "udp")}://{model.Host}:{model.Port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>RFC 5424 §6.3.3: inside PARAM-VALUE, '"', '\' and ']' are escaped with '\'.</summary>
    private static string SdValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal);

    /// <summary>RFC 5424 §6.2.4: HOSTNAME is printable US-ASCII without spaces, at most 255 characters; NILVALUE when empty.</summary>
    private static string Token(string value)
    {
        var clean = new string(value.Where(c => c is > ' ' and < (char)127).Take(255).ToArray());
        return clean.Length == 0 ? "-" : clean;
    }
}
