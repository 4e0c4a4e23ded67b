using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace TwinGuard.Twins.Respond;

/// <summary>
/// Sends alerts and forwarded findings as RFC 5424 syslog messages (MSG a CEF line, as <see cref="SyslogNotifier"/>)
/// over RELP, so that a message counts as delivered only once the collector has answered it.
/// </summary>
/// <remarks>
/// Plain TCP syslog (RFC 6587) has no acknowledgement: a finished write says the bytes reached the local kernel, and
/// what the collector held when it died is lost although the queue moved past it. Here <see cref="DeliverAsync"/>
/// returns only after the collector's <c>rsp 200</c> for that message (<see cref="RelpSession"/>), so
/// <see cref="FindingForwarder"/> advances its queue past acknowledged messages only; after a broken session the
/// unanswered message is sent again on a new one, with the same id (at least once). One session is kept open between
/// messages and opened again after any failure; a collector that does not answer within <see cref="AnswerTimeout"/>
/// counts as down.
/// </remarks>
public sealed class RelpNotifier(NotifierModel model, TimeProvider time) : INotifier, IDisposable
{
    /// <summary>How long the collector has to answer a command before the session is dropped and the message retried.</summary>
    /// <value>30 seconds.</value>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private RelpSession? _session;
    private bool _disposed;

    /// <inheritdoc />
    public string Id => model.Id;

    /// <inheritdoc />
    public Task<string> NotifyAsync(IncidentAlert alert, CancellationToken cancellationToken) =>
        DeliverAsync(SyslogNotifier.Format(alert, Environment.MachineName), cancellationToken);

    /// <inheritdoc />
    public string Render(ForwardedFinding finding) => SyslogNotifier.Format(finding, Environment.MachineName);

    /// <inheritdoc />
    /// <exception cref="IOException">The collector could not be reached, broke the session or refused the message.</exception>
    public async Task<string> DeliverAsync(string rendered, CancellationToken cancellationToken)
    {
        var message = Encoding.UTF8.GetBytes(rendered);
        var where = $"syslog {(model.Tls is not null ? "relp+tls" : "relp")}://{model.Host}:{model.Port.ToString(CultureInfo.InvariantCulture)}";
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var timeout = new CancellationTokenSource(AnswerTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                _session ??= await RelpSession.OpenAsync(model.Host!, model.Port, model.Tls, linked.Token);
                ObjectDisposedException.ThrowIf(_disposed, this);
                await _session.SendAsync(message, linked.Token);
                return where;
            }
            catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
            {
                // Whatever the session was in the middle of is unknown: a new session sends the message again.
                Interlocked.Exchange(ref _session, null)?.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                ObjectDisposedException.ThrowIf(_disposed, this);
                throw ex is IOException ? ex : new IOException($"{where}: {(ex is OperationCanceledException ? "no answer within " + AnswerTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s" : ex.Message)}", ex);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>Does not wait for a delivery under way: closing its socket ends it.</remarks>
    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _session, null)?.Dispose();
    }
}
