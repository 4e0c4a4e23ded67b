using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace TwinGuard.Ingest.Mqtt.PreLogin;

/// <summary>
/// The embedded broker's TCP listener in place of MQTTnet's: every accepted socket passes <see cref="AddressAdmission"/>
/// before anything is read from it, and is read through a <see cref="FramingGuardChannel"/>.
/// </summary>
/// <remarks>
/// It listens where the <see cref="MqttServerOptions"/> say, as MQTTnet's own adapter does (the default endpoint and,
/// when enabled, the TLS endpoint, on the IPv4 and IPv6 addresses that are not <see cref="IPAddress.None"/>), so whatever
/// configures those options keeps working. A refused socket is reset at once (linger 0) without a byte read. The TLS
/// handshake is bounded by the connect timeout as well: MQTTnet's listener waits for it without one.
/// </remarks>
public sealed class GuardedTcpServerAdapter(AddressAdmission admission, TimeProvider time) : IMqttServerAdapter
{
    private readonly List<Socket> _listeners = [];
    private CancellationTokenSource? _stopping;
    private MqttServerOptions? _options;
    private IMqttNetLogger _logger = MqttNetNullLogger.Instance;

    /// <inheritdoc />
    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>The local endpoints listened on (ports resolved when 0 was asked for).</summary>
    public IReadOnlyList<EndPoint> LocalEndPoints => [.. _listeners.Select(static l => l.LocalEndPoint!)];

    /// <inheritdoc />
    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        if (_stopping is not null)
        {
            throw new InvalidOperationException("The listener is already started.");
        }

        (_options, _logger, _stopping) = (options, logger, new CancellationTokenSource());
        if (options.DefaultEndpointOptions.IsEnabled)
        {
            Listen(options.DefaultEndpointOptions, tls: null);
        }

        if (options.TlsEndpointOptions is { IsEnabled: true } tls)
        {
            if (tls.CertificateProvider is null)
            {
                throw new ArgumentException("TLS endpoint enabled without a certificate.");
            }

            Listen(tls, tls);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => Stop();

    private void Stop()
    {
        _stopping?.Cancel();
        _stopping?.Dispose();
        _stopping = null;
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        _listeners.Clear();
    }

    private void Listen(MqttServerTcpEndpointBaseOptions endpoint, MqttServerTlsTcpEndpointOptions? tls)
    {
        foreach (var address in new[] { endpoint.BoundInterNetworkAddress, endpoint.BoundInterNetworkV6Address })
        {
            if (address.Equals(IPAddress.None))
            {
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false; // the IPv4 listener, if any, takes IPv4
            }

            socket.NoDelay = endpoint.NoDelay;
            socket.Bind(new IPEndPoint(address, endpoint.Port));
            socket.Listen(endpoint.ConnectionBacklog);
            endpoint.Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            _listeners.Add(socket);
            var stopping = _stopping!.Token;
            _ = Task.Run(() => AcceptAsync(socket, endpoint, tls, stopping), stopping);
        }
    }

    private async Task AcceptAsync(Socket listener, MqttServerTcpEndpointBaseOptions endpoint, MqttServerTlsTcpEndpointOptions? tls, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // a connection reset before it was accepted
            }

            var remote = (IPEndPoint)client.RemoteEndPoint!;
            if (admission.TryAdmit(remote.Address, out var lease) != AdmissionRefusal.None)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => ServeAsync(client, lease!, endpoint, tls, stopping), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket client, ConnectionLease lease, MqttServerTcpEndpointBaseOptions endpoint, MqttServerTlsTcpEndpointOptions? tls, CancellationToken stopping)
    {
        Stream stream = new NetworkStream(client, ownsSocket: true);
        MqttChannelAdapter? adapter = null;
        try
        {
            client.NoDelay = endpoint.NoDelay;
            client.LingerState = endpoint.LingerState;
            X509Certificate2? certificate = null;
            if (tls is not null)
            {
                (stream, certificate) = await HandshakeAsync(stream, tls, stopping).ConfigureAwait(false);
            }

            var channel = new FramingGuardChannel(new MqttTcpChannel(stream, client.LocalEndPoint, client.RemoteEndPoint, certificate), lease, admission.Limits, time);
            var options = _options!;
            adapter = new MqttChannelAdapter(channel, new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax)), _logger)
            {
                AllowPacketFragmentation = endpoint.AllowPacketFragmentation,
            };
            if (ClientHandler is { } handler)
            {
                await handler(adapter).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            // The client went away, timed out in its TLS handshake or failed it: nothing to report but the count.
            if (!lease.IsLoggedIn && ex is OperationCanceledException)
            {
                lease.CountRefusal(AdmissionRefusal.ConnectTimeout);
            }
        }
        finally
        {
            adapter?.Dispose(); // disposes the channel, the stream and the lease
            if (adapter is null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                lease.Dispose();
            }
        }
    }

    private async Task<(Stream Stream, X509Certificate2? Certificate)> HandshakeAsync(Stream stream, MqttServerTlsTcpEndpointOptions tls, CancellationToken stopping)
    {
        var serverCertificate = tls.CertificateProvider.GetCertificate();
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false, tls.RemoteCertificateValidationCallback);
        using var timeout = new CancellationTokenSource(admission.Limits.ConnectTimeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        await ssl.AuthenticateAsServerAsync(
            new SslServerAuthenticationOptions
            {
                ServerCertificate = serverCertificate,
                ClientCertificateRequired = tls.ClientCertificateRequired,
                EnabledSslProtocols = tls.SslProtocol,
                CertificateRevocationCheckMode = tls.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
                EncryptionPolicy = EncryptionPolicy.RequireEncryption,
                CipherSuitesPolicy = tls.CipherSuitesPolicy,
            },
            deadline.Token).ConfigureAwait(false);
        var certificate = ssl.RemoteCertificate is null ? null
            : ssl.RemoteCertificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate.Export(X509ContentType.Cert));
        return (ssl, certificate);
    }
}
