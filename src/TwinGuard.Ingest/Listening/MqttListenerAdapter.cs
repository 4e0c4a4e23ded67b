using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Server;
using TwinGuard.Ingest.Mqtt.PreLogin;
using TwinGuard.Ingest.Mqtt.Tls;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Listening;

/// <summary>
/// The embedded broker's sockets: exactly the <c>mqtt</c> and <c>mqtts</c> listeners configured, plain or TLS, in
/// place of MQTTnet's default endpoint (one IPv4 address, and every IPv6 interface unless told otherwise).
/// </summary>
/// <remarks>
/// TLS endpoints ask every client for a certificate but do not judge it in the handshake: the device it names is
/// checked at CONNECT (<see cref="Mqtt.DeviceAuthenticator"/>), where a refusal is recorded with its reason code and
/// answered with a CONNACK the device can log. A client without a certificate may still log in with a password.
/// </remarks>
public sealed partial class MqttListenerAdapter(
    IReadOnlyList<ListenerModel> listeners, ServerCertificateSource? certificate, ILogger logger, AddressAdmission admission, TimeProvider time)
    : IMqttServerAdapter
{
    private readonly List<(ListenerModel Listener, Socket Socket)> _bound = [];

    /// <summary>The open connections by remote endpoint (one entry per connection, which admission bounds), for <see cref="Cut"/>.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, OpenConnection> _open = new(StringComparer.Ordinal);
    private CancellationTokenSource? _stop;

    /// <inheritdoc />
    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>
    /// Shuts the TCP connection from <paramref name="remoteEndpoint"/> down now, on the caller's thread: the client sees
    /// the connection end at once. MQTTnet closes a connection it disconnects only when that connection's receive loop
    /// unwinds, a thread-pool work item later, which on a busy machine waits for a core; containment does not wait.
    /// </summary>
    /// <returns>False when no connection from there is open.</returns>
    public bool Cut(string remoteEndpoint) => _open.TryGetValue(remoteEndpoint, out var open) && open.Cut();

    /// <summary>
    /// Names the device whose credentials the connection from <paramref name="remoteEndpoint"/> presented, as soon as its
    /// CONNECT passed the credential check: <see cref="CutDevice"/> then finds it even before MQTTnet lists the client
    /// (which it does only once the CONNACK is sent), so a containment landing in between does not miss it.
    /// </summary>
    /// <param name="remoteEndpoint">The connection.</param>
    /// <param name="deviceId">The device it logged in as.</param>
    /// <param name="hearsWhy">True for an MQTT 5 client: it is told why with a DISCONNECT before it is cut, so
    /// <see cref="CutDevice"/> leaves it to the caller.</param>
    public void Attribute(string remoteEndpoint, string deviceId, bool hearsWhy)
    {
        if (_open.TryGetValue(remoteEndpoint, out var open))
        {
            open.HearsWhy = hearsWhy;
            open.Device = deviceId; // published last: CutDevice reads Device first
        }
    }

    /// <summary>
    /// Shuts down, on the caller's thread, every connection that logged in as <paramref name="deviceId"/>, except those
    /// that are told why first (MQTT 5, see <see cref="Attribute"/>): containment before any bookkeeping.
    /// </summary>
    /// <returns>The remote endpoints of the connections cut.</returns>
    public List<string> CutDevice(string deviceId)
    {
        var cut = new List<string>(1);
        foreach (var (remote, open) in _open)
        {
            if (open.Device == deviceId && !open.HearsWhy && open.Cut())
            {
                cut.Add(remote);
            }
        }

        return cut;
    }

    /// <summary>The receive batch of the open connection from <paramref name="remoteEndpoint"/>; null for TLS (no read-ahead) or when it is gone.</summary>
    public Twins.Gate.ReceiveBatch? BatchOf(string remoteEndpoint) =>
        _open.TryGetValue(remoteEndpoint, out var open) ? open.ReadAhead?.Batch : null;

    /// <summary>The endpoints actually bound (with the ports the system picked for port 0), once started.</summary>
    public IReadOnlyList<(ListenerModel Listener, IPEndPoint EndPoint)> Bound =>
        _bound.Select(b => (b.Listener, (IPEndPoint)b.Socket.LocalEndPoint!)).ToList();

    /// <inheritdoc />
    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        if (listeners.Any(l => l.IsTls) && certificate is null)
        {
            throw new InvalidOperationException("an mqtts listener needs a server certificate (the plant model's tls section)");
        }

        _stop = new CancellationTokenSource();
        try
        {
            foreach (var listener in listeners)
            {
                var socket = ListenerSockets.Bind(listener);
                _bound.Add((listener, socket));
            }
        }
        catch
        {
            Cleanup();
            throw;
        }

        foreach (var (listener, socket) in _bound)
        {
            _ = AcceptAsync(listener, socket, options, logger, _stop.Token);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync()
    {
        Cleanup();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => Cleanup();

    private void Cleanup()
    {
        _stop?.Cancel();
        _stop?.Dispose();
        _stop = null;
        foreach (var (_, socket) in _bound)
        {
            socket.Dispose();
        }

        _bound.Clear();
    }

    private async Task AcceptAsync(ListenerModel listener, Socket socket, MqttServerOptions options, IMqttNetLogger mqttLogger, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // A client that resets before it is accepted, or file descriptors running out: keep listening.
                LogAcceptFailed(logger, listener, ex.SocketErrorCode);
                continue;
            }

            // Before anything is read: an address over its caps, or backing off after failed logins, costs one accept.
            if (admission.TryAdmit(((IPEndPoint)client.RemoteEndPoint!).Address, out var lease) != AdmissionRefusal.None)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => ServeAsync(listener, client, lease!, options, mqttLogger, stop), CancellationToken.None);
        }
    }

    private async Task ServeAsync(ListenerModel listener, Socket client, ConnectionLease lease, MqttServerOptions options, IMqttNetLogger mqttLogger, CancellationToken stop)
    {
        var remote = client.RemoteEndPoint;
        var key = remote?.ToString();
        Stream stream = new NetworkStream(client, ownsSocket: true);
        var readAhead = listener.IsTls ? null : new ReadAheadStream(stream);
        var open = new OpenConnection(client, readAhead);
        stream = readAhead ?? stream;
        var leased = false;
        if (key is not null)
        {
            _open[key] = open;
        }

        try
        {
            client.NoDelay = true;
            X509Certificate2? clientCertificate = null;
            if (listener.IsTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stop);
                handshake.CancelAfter(admission.Limits.ConnectTimeout); // limits.mqtt.connect_timeout: a ClientHello that never comes costs this long
                X509Certificate2Collection? sent = null;
                var serverOptions = ServerOptions();
                serverOptions.RemoteCertificateValidationCallback = (_, _, chain, _) =>
                {
                    // Judged at CONNECT (see the remarks); what the client sent beyond its certificate is kept for that.
                    if (chain?.ChainPolicy.ExtraStore is { Count: > 0 } extra)
                    {
                        sent = [.. extra];
                    }

                    return true;
                };
                await tls.AuthenticateAsServerAsync(serverOptions, handshake.Token);
                clientCertificate = tls.RemoteCertificate switch
                {
                    null => null,
                    X509Certificate2 full => full,
                    var other => X509CertificateLoader.LoadCertificate(other.GetRawCertData()),
                };
                if (clientCertificate is not null && sent is not null)
                {
                    DeviceCertificateCheck.RememberSentChain(clientCertificate, sent);
                }
            }

            if (ClientHandler is { } handler)
            {
                // The framing guard reads packet headers as they arrive: an oversized CONNECT, a first packet that is
                // no CONNECT, or no CONNECT in time closes the connection before MQTTnet buffers anything.
                var channel = new FramingGuardChannel(new DirectReadChannel(stream, client.LocalEndPoint, remote, clientCertificate), lease, admission.Limits, time);
                leased = true; // the channel releases the lease
                var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
                using var adapter = new MqttChannelAdapter(channel, formatter, mqttLogger);
                await handler(adapter);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Security.Authentication.AuthenticationException or SocketException or ObjectDisposedException)
        {
            // A client that fails its handshake, is too slow, or goes away: nothing to answer.
            LogClientDropped(logger, remote, listener, ex.GetType().Name, ex.Message);
            if (!lease.IsLoggedIn && ex is OperationCanceledException)
            {
                lease.CountRefusal(AdmissionRefusal.ConnectTimeout);
            }
        }
        finally
        {
            if (key is not null)
            {
                _open.TryRemove(new KeyValuePair<string, OpenConnection>(key, open));
            }

            await stream.DisposeAsync();
            if (!leased)
            {
                lease.Dispose();
            }
        }
    }

    /// <summary>An open connection's socket, its read-ahead buffer when it is plain TCP, and the device it logged in as.</summary>
    private sealed class OpenConnection(Socket socket, ReadAheadStream? readAhead)
    {
        private volatile string? _device;

        /// <summary>The read-ahead buffer of a plain TCP connection (null for TLS).</summary>
        public ReadAheadStream? ReadAhead => readAhead;

        /// <summary>The device whose credentials it presented, once its CONNECT passed the credential check.</summary>
        public string? Device { get => _device; set => _device = value; }

        /// <summary>An MQTT 5 client, which hears why in a DISCONNECT before it is cut.</summary>
        public bool HearsWhy { get; set; }

        /// <summary>
        /// Shuts the socket down both ways: the FIN goes out inside this call, so the client's read returns at once, and
        /// no further packet from it reaches the broker (nor one already read ahead).
        /// </summary>
        /// <returns>False when it is closing already.</returns>
        public bool Cut()
        {
            try
            {
                readAhead?.Cut();
                socket.Shutdown(SocketShutdown.Both);
                return true;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }

    private SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificateContext = certificate!.Current,
        ClientCertificateRequired = true,
        EnabledSslProtocols = TlsPolicy.Protocols,
        CipherSuitesPolicy = TlsPolicy.CipherSuites,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        EncryptionPolicy = EncryptionPolicy.RequireEncryption,
        AllowRenegotiation = false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting on {Listener} failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, ListenerModel listener, SocketError error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client {Remote} on {Listener} dropped before MQTT: {Kind}: {Problem}")]
    private static partial void LogClientDropped(ILogger logger, EndPoint? remote, ListenerModel listener, string kind, string problem);
}
