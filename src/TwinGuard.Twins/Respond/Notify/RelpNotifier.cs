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
/// what the collector held when it died is lost although the queue moved past it. Here <see cref="DeliverRunAsync"/>
/// sends a run of up to <see cref="Window"/> messages at once and counts only those the collector answered
/// <c>rsp 200</c>, in order (<see cref="RelpSession"/>), so <see cref="FindingForwarder"/> advances its queue past
/// acknowledged messages only; after a broken session every unanswered message of the run is sent again on a new one,
/// with the same id (at least once). A window of many messages keeps a link with a long round trip busy: with one, a
/// 20 ms round trip caps forwarding at 50 messages a second. One session is kept open between runs and opened again
/// after any failure; a collector that does not answer a run within <see cref="AnswerTimeout"/> counts as down.
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
    /// <value>The notifier's <c>window</c> (<see cref="NotifierModel.Window"/>).</value>
    public int Window => model.Window;

    private string Where => $"syslog {(model.Tls is not null ? "relp+tls" : "relp")}://{model.Host}:{model.Port.ToString(CultureInfo.InvariantCulture)}";

    /// <inheritdoc />
    /// <exception cref="IOException">The collector could not be reached, broke the session or refused the message.</exception>
    public async Task<string> DeliverAsync(string rendered, CancellationToken cancellationToken)
    {
        await SendAsync([rendered], cancellationToken);
        return Where;
    }

    /// <inheritdoc />
    /// <remarks>The whole run is in flight at once on one session; the count is the prefix the collector answered 200.
    /// When the session breaks after some answers, those are returned and the rest go again on a new session.</remarks>
    /// <exception cref="IOException">The collector could not be reached, or broke the session or refused the first
    /// message before answering any.</exception>
    public Task<int> DeliverRunAsync(IReadOnlyList<string> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(run.Count, Window);
        return SendAsync(run, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Does not wait for a delivery under way: closing its socket ends it.</remarks>
    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _session, null)?.Dispose();
    }

    private async Task<int> SendAsync(IReadOnlyList<string> run, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(run.Count);
        var messages = new byte[run.Count][];
        for (var i = 0; i < run.Count; i++)
        {
            messages[i] = Encoding.UTF8.GetBytes(run[i]);
        }

        await _gate.WaitAsync(cancellationToken);
        RelpSession? session = null;
        try
        {
            using var timeout = new CancellationTokenSource(AnswerTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                session = _session ??= await RelpSession.OpenAsync(model.Host!, model.Port, model.Tls, linked.Token);
                ObjectDisposedException.ThrowIf(_disposed, this);
                await session.SendAsync(messages, linked.Token);
                return messages.Length;
            }
            catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
            {
                // What the session was in the middle of is unknown past the last answer: a new session sends the rest again.
                var acknowledged = session?.Acknowledged ?? 0;
                Interlocked.Exchange(ref _session, null)?.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (acknowledged > 0)
                {
                    return acknowledged;
                }

                throw ex is IOException ? ex : new IOException($"{Where}: {(ex is OperationCanceledException ? "no answer within " + AnswerTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s" : ex.Message)}", ex);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
