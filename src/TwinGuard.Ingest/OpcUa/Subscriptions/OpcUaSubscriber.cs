using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TwinGuard.Ingest.OpcUa.Client;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.SecureChannel;
using TwinGuard.Ingest.OpcUa.Services;
using TwinGuard.Ingest.OpcUa.Transport;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.OpcUa.Subscriptions;

/// <summary>
/// Subscribes to one OPC UA server's configured nodes and hands every data change to the <see cref="ReadingGate"/>, one
/// reading of docs/readings.md per asset and source timestamp, exactly as MQTT and Modbus readings arrive; and watches
/// the server itself (certificate, offered security, session, nodes, publish sequence numbers).
/// </summary>
/// <remarks>
/// A value whose StatusCode is Bad or Uncertain is refused (<see cref="ReasonCode.BadQuality"/>), never passed on as a
/// number. Connection failures back off (100 ms doubling to 5 s, at least the publishing interval) and raise
/// <see cref="ReasonCode.DeviceUnreachable"/> once per outage.
/// </remarks>
public sealed partial class OpcUaSubscriber
{
    /// <summary>Most notification messages asked for again with Republish after one gap.</summary>
    public const int MaxRepublish = 32;

    private readonly OpcUaDeviceModel _device;
    private readonly ReadingGate _gate;
    private readonly EvidenceSink _evidence;
    private readonly TimeProvider _time;
    private readonly OpcUaClientOptions _options;
    private readonly SourceInfo _source;
    private readonly OpcUaEndpointUrl _url;
    private readonly OpcUaServerWatch _watch;
    private readonly NodeId[] _nodes;
    private readonly string[] _topics;
    private readonly ArrayBufferWriter<byte> _payload = new(512);
    private readonly HashSet<int> _missingNodes = [];
    private readonly long _sequenceBase;
    private readonly X509Certificate2? _clientCertificate;
    private readonly MessageSecurityMode _mode;
    private long _readings;
    private bool _unreachable;

    /// <summary>Creates a subscriber for <paramref name="device"/>; the gate's plant model must hold it as a source.</summary>
    /// <param name="device">The server.</param>
    /// <param name="gate">The gate readings go through.</param>
    /// <param name="evidence">Where findings go.</param>
    /// <param name="time">The clock.</param>
    /// <param name="clientCertificate">The client's application certificate, needed when the device's policy is Basic256Sha256.</param>
    /// <param name="options">Client options; the defaults when null.</param>
    public OpcUaSubscriber(OpcUaDeviceModel device, ReadingGate gate, EvidenceSink evidence, TimeProvider time,
        X509Certificate2? clientCertificate = null, OpcUaClientOptions? options = null)
    {
        _clientCertificate = clientCertificate;
        _mode = (MessageSecurityMode)(int)device.SecurityMode;
        if (_mode != MessageSecurityMode.None && clientCertificate is null)
        {
            throw new ArgumentException($"OPC UA server '{device.Id}' uses {device.SecurityPolicy}: a client certificate is needed", nameof(clientCertificate));
        }

        _device = device;
        _gate = gate;
        _evidence = evidence;
        _time = time;
        _options = options ?? OpcUaClientOptions.Default;
        _url = OpcUaEndpointUrl.Parse(device.Endpoint);
        var source = gate.Plant.FindDevice(device.Id) ?? throw new ArgumentException($"the plant model has no source '{device.Id}'", nameof(device));
        _source = new SourceInfo(source, "opcua", _url.Authority);
        _watch = new OpcUaServerWatch(device);
        _nodes = device.Signals.Select(s => NodeId.Parse(s.NodeId)).ToArray();
        _topics = device.Signals.Select(s => $"{gate.Plant.Site.TopicPrefix}/{s.AssetId}").ToArray();
        // Sequence numbers must keep growing across restarts (the twin refuses a replayed sequence): start from the clock.
        _sequenceBase = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    /// <summary>The device subscribed to.</summary>
    public OpcUaDeviceModel Device => _device;

    /// <summary>Data changes received (Good or not).</summary>
    public long Notifications => Interlocked.Read(ref _notifications);

    private long _notifications;

    /// <summary>Sessions opened, the first included.</summary>
    public int Sessions { get; private set; }

    /// <summary>Notification messages recovered with Republish.</summary>
    public long Republished { get; private set; }

    /// <summary>Subscribes until cancelled, reconnecting with back-off.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var maxBackoff = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, _device.PublishingInterval.Ticks));
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SessionAsync(() => backoff = TimeSpan.FromMilliseconds(100), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is OpcUaException or IOException or SocketException or TimeoutException or OperationCanceledException)
            {
                Failed(ex);
            }

            await Task.Delay(backoff, _time, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, maxBackoff.Ticks));
        }
    }

    private async Task SessionAsync(Action connected, CancellationToken cancellationToken)
    {
        // GetEndpoints first (OPC 10000-4 §5.4.4, allowed over a None channel): the certificate and the security offered
        // are checked before anything else is sent; for Basic256Sha256 the endpoint's certificate is the one the
        // secure channel is then opened with, and a server that no longer offers it is never fallen back from.
        var discovery = await OpcUaClient.ConnectAsync(_url, _options, _time, cancellationToken);
        OpcUaClient client;
        try
        {
            var security = await CheckServerAsync(discovery, cancellationToken);
            if (_mode == MessageSecurityMode.None)
            {
                client = discovery;
            }
            else
            {
                await CloseQuietlyAsync(discovery);
                client = await OpcUaClient.ConnectAsync(_url, _options, _time, cancellationToken, security);
            }
        }
        catch
        {
            await discovery.DisposeAsync();
            throw;
        }

        try
        {
            var identity = Identity();
            try
            {
                await client.OpenSessionAsync($"twinguard-{_device.Id}", identity, cancellationToken);
            }
            finally
            {
                identity.Certificate?.Dispose();
            }

            if (CheckCertificate(client.ServerCertificate))
            {
                throw new OpcUaException(StatusCodes.BadCertificateInvalid, "the server certificate is not the pinned one");
            }

            Sessions++;
            var subscription = await client.CreateSubscriptionAsync(_device.PublishingInterval, 60, 10, cancellationToken);
            var items = _device.Signals.Select((s, i) => new MonitoredItemRequest(_nodes[i], (uint)i, s.SamplingInterval, s.Deadband)).ToList();
            var results = await client.CreateMonitoredItemsAsync(subscription.SubscriptionId, items, cancellationToken);
            for (var i = 0; i < results.Count; i++)
            {
                NodeStatus(i, results[i].Status);
            }

            if (_unreachable)
            {
                _unreachable = false;
            }

            connected();
            await PublishLoopAsync(client, subscription, cancellationToken);
        }
        finally
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                await client.DisposeAsync();
            }
            else
            {
                await CloseQuietlyAsync(client);
            }
        }
    }

    private static async Task CloseQuietlyAsync(OpcUaClient client)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.CloseAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OpcUaException or IOException or SocketException or OperationCanceledException)
        {
            // Stopping: the server learns from the closed connection.
        }
    }

    private OpcUaIdentity Identity()
    {
        if (_device.UserCertificateFile is { } certificate)
        {
            try
            {
                // Read at every connection: a renewed user certificate is taken without a restart.
                return OpcUaIdentity.FromCertificate(X509Certificate2.CreateFromPemFile(certificate, _device.UserKeyFile));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new OpcUaException(StatusCodes.BadIdentityTokenInvalid, $"the user certificate of OPC UA server '{_device.Id}' cannot be loaded from {certificate}: {ex.Message}");
            }
        }

        if (_device.UserName is null)
        {
            return OpcUaIdentity.Anonymous;
        }

        var password = Environment.GetEnvironmentVariable(_device.PasswordEnvironment!)
            ?? throw new OpcUaException(StatusCodes.BadIdentityTokenInvalid, $"environment variable {_device.PasswordEnvironment} (the password of OPC UA server '{_device.Id}') is not set");
        return new OpcUaIdentity(_device.UserName, password);
    }

    /// <summary>GetEndpoints: the certificate each endpoint carries and the security they offer; returns the security to use.</summary>
    private async Task<OpcUaSecurity> CheckServerAsync(OpcUaClient client, CancellationToken cancellationToken)
    {
        var endpoints = await client.GetEndpointsAsync(cancellationToken);
        if (_watch.CheckEndpoints(endpoints) is { } downgrade)
        {
            Raise(ReasonCode.SecurityDowngrade, null, null, downgrade);
        }

        if (endpoints.FirstOrDefault(e => e.ServerCertificate.Length > 0) is { } withCertificate && CheckCertificate(withCertificate.ServerCertificate))
        {
            throw new OpcUaException(StatusCodes.BadCertificateInvalid, "the server certificate is not the pinned one");
        }

        if (_mode == MessageSecurityMode.None)
        {
            return OpcUaSecurity.None;
        }

        var policy = SecurityPolicies.FromName(_device.SecurityPolicy);
        var endpoint = endpoints.FirstOrDefault(e => e.SecurityPolicyUri == policy && e.SecurityMode == _mode)
            ?? throw new OpcUaException(StatusCodes.BadSecurityPolicyRejected,
                $"the server no longer offers {_device.SecurityPolicy}/{_mode}: not connecting with weaker security");
        if (CheckCertificate(endpoint.ServerCertificate))
        {
            throw new OpcUaException(StatusCodes.BadCertificateInvalid, "the server certificate is not the pinned one");
        }

        return new OpcUaSecurity(_mode, _clientCertificate, endpoint.ServerCertificate, policy);
    }

    /// <summary>Raises a finding for a changed certificate; true when the data must be refused (pin mismatch).</summary>
    private bool CheckCertificate(byte[] certificate)
    {
        var (problem, refuse) = _watch.CheckCertificate(certificate);
        if (problem is not null)
        {
            Raise(ReasonCode.ServerCertificateChanged, null, null, problem);
        }

        return refuse;
    }

    private void NodeStatus(int index, StatusCode status)
    {
        var signal = _device.Signals[index];
        var missing = status.SubCode is 0x80340000 or 0x80330000; // BadNodeIdUnknown, BadNodeIdInvalid
        if (missing && _missingNodes.Add(index))
        {
            Raise(ReasonCode.NodeMissing, signal.AssetId, signal.SignalId,
                $"node {signal.NodeId} ({signal.AssetId}.{signal.SignalId}) of OPC UA server '{_device.Id}' does not exist: {status}");
        }
        else if (!missing)
        {
            _missingNodes.Remove(index);
        }
    }

    private void Failed(Exception ex)
    {
        var status = (ex as OpcUaException)?.Status ?? StatusCodes.BadCommunicationError;
        if (status.SubCode is 0x80260000 or 0x80250000 or 0x80280000 or 0x80790000)
        {
            // BadSessionClosed, BadSessionIdInvalid, BadSubscriptionIdInvalid, BadNoSubscription: the server dropped us.
            Raise(ReasonCode.SessionClosed, null, null, $"OPC UA server '{_device.Id}' closed the session: {ex.Message}");
            return;
        }

        if (status.SubCode == StatusCodes.BadCertificateInvalid.Code || status.SubCode == StatusCodes.BadSecurityPolicyRejected.Code && _unreachable)
        {
            return; // already reported as server_certificate_changed or security_downgrade
        }

        if (!_unreachable)
        {
            _unreachable = true;
            Raise(ReasonCode.DeviceUnreachable, null, null, $"OPC UA server '{_device.Id}' ({_url}) cannot be read: {ex.Message}");
        }
    }

    private void Raise(ReasonCode reason, string? asset, string? signal, string message) =>
        _evidence.Raise(new Finding(_time.GetUtcNow(), reason, reason.DefaultSeverity(), asset, signal, _device.Id, null, 0, message));

    private string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
