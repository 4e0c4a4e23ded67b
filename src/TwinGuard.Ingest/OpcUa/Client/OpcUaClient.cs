using System.Buffers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.SecureChannel;
using TwinGuard.Ingest.OpcUa.Services;
using TwinGuard.Ingest.OpcUa.Transport;

namespace TwinGuard.Ingest.OpcUa.Client;

/// <summary>
/// An OPC UA client over UA TCP binary: one secure channel and at most one session, with the services TwinGuard needs
/// (OPC 10000-4 §5.4 GetEndpoints, §5.6 CreateSession/ActivateSession/CloseSession, §5.10 Read, §5.8 Browse, §5.13
/// subscriptions).
/// </summary>
public sealed partial class OpcUaClient : IAsyncDisposable
{
    private readonly UaSecureChannel _channel;
    private readonly TimeProvider _time;
    private NodeId _authenticationToken = NodeId.Null;
    private uint _requestHandle;

    private OpcUaClient(OpcUaEndpointUrl url, UaSecureChannel channel, OpcUaClientOptions options, TimeProvider time)
    {
        Url = url;
        _channel = channel;
        Options = options;
        _time = time;
    }

    /// <summary>The endpoint connected to.</summary>
    public OpcUaEndpointUrl Url { get; }

    /// <summary>The options.</summary>
    public OpcUaClientOptions Options { get; }

    /// <summary>The secure channel (its token and renewals).</summary>
    public UaSecureChannel Channel => _channel;

    /// <summary>The server's certificate as CreateSession returned it (DER); empty before a session.</summary>
    public byte[] ServerCertificate { get; private set; } = [];

    /// <summary>The endpoints the server listed in CreateSession.</summary>
    public IReadOnlyList<EndpointDescription> SessionEndpoints { get; private set; } = [];

    /// <summary>The session's id; null before a session.</summary>
    public NodeId? SessionId { get; private set; }

    /// <summary>Connects and opens a secure channel: policy None unless <paramref name="security"/> names a secured policy.</summary>
    public static async Task<OpcUaClient> ConnectAsync(OpcUaEndpointUrl url, OpcUaClientOptions options, TimeProvider time, CancellationToken cancellationToken,
        OpcUaSecurity? security = null)
    {
        var crypto = security is { Mode: not MessageSecurityMode.None } s
            ? new ChannelCrypto(s.Mode,
                s.ClientCertificate ?? throw new ArgumentException("a secured channel needs a client certificate", nameof(security)),
                s.ServerCertificate ?? throw new ArgumentException("a secured channel needs the server certificate", nameof(security)),
                s.PolicyUri)
            : null;
        UaTcpConnection connection;
        try
        {
            connection = await UaTcpConnection.ConnectAsync(url, options.Limits, cancellationToken);
        }
        catch
        {
            crypto?.Dispose();
            throw;
        }

        var channel = new UaSecureChannel(connection, time, crypto) { TokenLifetime = options.TokenLifetime };
        try
        {
            await channel.OpenAsync(options.RequestTimeout, cancellationToken);
        }
        catch
        {
            await channel.DisposeAsync();
            throw;
        }

        return new OpcUaClient(url, channel, options, time);
    }

    /// <summary>Sends one request: writes its encoding id and RequestHeader, then <paramref name="body"/>; returns the response bytes.</summary>
    private async Task<ReadOnlyMemory<byte>> CallAsync(uint requestType, Action<UaBinaryWriter> body, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new UaBinaryWriter(buffer);
        var wait = timeout ?? Options.RequestTimeout;
        writer.WriteNodeId(NodeId.Number(requestType));
        RequestHeaderWriter.Write(writer, _authenticationToken, Interlocked.Increment(ref _requestHandle), wait, _time);
        body(writer);
        return await _channel.SendAsync(buffer.WrittenMemory, wait, cancellationToken);
    }

    /// <summary>GetEndpoints (§5.4.4): the endpoints the server offers, with their certificates and security.</summary>
    public async Task<IReadOnlyList<EndpointDescription>> GetEndpointsAsync(CancellationToken cancellationToken)
    {
        var response = await CallAsync(ServiceIds.GetEndpointsRequest, w =>
        {
            w.WriteString(Url.Text);
            w.WriteStringArray(null); // LocaleIds
            w.WriteStringArray(null); // ProfileUris
        }, cancellationToken);
        var reader = new UaBinaryReader(response.Span);
        ResponseReader.ExpectType(ref reader, ServiceIds.GetEndpointsResponse);
        ResponseReader.ReadHeader(ref reader);
        var endpoints = reader.ReadArray("EndpointDescription", 30, static (ref UaBinaryReader r) => EndpointDescription.Read(ref r));
        reader.EnsureEnd("GetEndpointsResponse");
        return endpoints;
    }

    /// <summary>CreateSession then ActivateSession (§5.6.2, §5.6.3) as <paramref name="identity"/>.</summary>
    /// <exception cref="OpcUaException">The server refused the session or the identity.</exception>
    public async Task OpenSessionAsync(string sessionName, OpcUaIdentity identity, CancellationToken cancellationToken)
    {
        var clientNonce = RandomNumberGenerator.GetBytes(32);
        var crypto = _channel.Crypto;
        var response = await CallAsync(ServiceIds.CreateSessionRequest, w =>
        {
            // ApplicationDescription (§7.2) of this client.
            w.WriteString(OpcUaClientCertificate.ApplicationUri);
            w.WriteString("urn:twinguard");
            w.WriteLocalizedText(new LocalizedText(null, "TwinGuard"));
            w.WriteInt32(1); // ApplicationType: Client
            w.WriteString(null);
            w.WriteString(null);
            w.WriteStringArray(null);
            w.WriteString(null); // ServerUri
            w.WriteString(Url.Text);
            w.WriteString(sessionName);
            w.WriteByteString(clientNonce);
            w.WriteByteString(crypto?.ClientCertificateDer ?? [], isNull: crypto is null); // ClientCertificate: none with policy None
            w.WriteDouble(Options.SessionTimeout.TotalMilliseconds);
            w.WriteUInt32(Options.Limits.MaxMessageSize);
        }, cancellationToken);

        var reader = new UaBinaryReader(response.Span);
        ResponseReader.ExpectType(ref reader, ServiceIds.CreateSessionResponse);
        ResponseReader.ReadHeader(ref reader);
        SessionId = reader.ReadNodeId();
        var token = reader.ReadNodeId();
        reader.ReadDouble(); // RevisedSessionTimeout
        var serverNonce = reader.ReadByteString() ?? [];
        ServerCertificate = reader.ReadByteString() ?? [];
        SessionEndpoints = reader.ReadArray("EndpointDescription", 30, static (ref UaBinaryReader r) => EndpointDescription.Read(ref r));
        reader.ReadArray("SignedSoftwareCertificate", 8, static (ref UaBinaryReader r) => (r.ReadByteString(), r.ReadByteString()));
        reader.ReadString(); // ServerSignature.Algorithm
        var serverSignature = reader.ReadByteString() ?? [];
        reader.ReadUInt32(); // MaxRequestMessageSize
        _authenticationToken = token;
        byte[]? clientSignature = null;
        if (crypto is not null)
        {
            // §5.6.2: the server proves it holds its key by signing our certificate and nonce; §5.6.3: we sign its
            // certificate and nonce. The certificate must be the one the channel was opened with.
            if (!ServerCertificate.AsSpan().SequenceEqual(crypto.ServerCertificateDer))
            {
                throw new OpcUaException(StatusCodes.BadCertificateInvalid, "CreateSession returned another server certificate than the channel's");
            }

            if (!crypto.VerifyServerSignature([.. crypto.ClientCertificateDer, .. clientNonce], serverSignature))
            {
                throw new OpcUaException(StatusCodes.BadSecurityChecksFailed, "the server's CreateSession signature does not verify");
            }

            clientSignature = crypto.SignWithClientKey([.. ServerCertificate, .. serverNonce]);
        }

        var policy = ChooseTokenPolicy(identity);
        var userSignature = identity.Certificate is { } user ? SignWithUserKey(user, serverNonce) : null;
        var activate = await CallAsync(ServiceIds.ActivateSessionRequest, w =>
        {
            // ClientSignature (§7.37 SignatureData): none with policy None.
            w.WriteString(clientSignature is null ? null : RsaSha256Uri);
            w.WriteByteString(clientSignature ?? [], isNull: clientSignature is null);
            w.WriteInt32(0); // ClientSoftwareCertificates
            w.WriteStringArray(["en"]);
            WriteIdentityToken(w, identity, policy, serverNonce);

            // UserTokenSignature (§5.6.3): for an X.509 token, the user key's signature of the server certificate and
            // the last server nonce; null for other tokens.
            w.WriteString(userSignature is null ? null : RsaSha256Uri);
            w.WriteByteString(userSignature ?? [], isNull: userSignature is null);
        }, cancellationToken);
        var activated = new UaBinaryReader(activate.Span);
        ResponseReader.ExpectType(ref activated, ServiceIds.ActivateSessionResponse);
        ResponseReader.ReadHeader(ref activated);
    }

    private UserTokenPolicy ChooseTokenPolicy(OpcUaIdentity identity)
    {
        var wanted = identity.Certificate is not null ? UserTokenType.Certificate
            : identity.UserName is null ? UserTokenType.Anonymous : UserTokenType.UserName;

        // The endpoint this channel uses. Among its token policies, one of the wanted type. A password is only ever sent
        // encrypted and a certificate token only ever signed with a policy this client implements (Basic256Sha256 or
        // Aes128_Sha256_RsaOaep: RSA-OAEP SHA-1 for the password, RSA PKCS#1 v1.5 SHA-256 for the signature), named by
        // the token policy, or the channel's own when the token names none (§7.41.2.3).
        var endpoint = SessionEndpoints.FirstOrDefault(e => e.SecurityPolicyUri == _channel.PolicyUri && e.SecurityMode == _channel.Mode);
        var candidates = (endpoint?.UserIdentityTokens ?? []).Where(t => t.TokenType == wanted).ToList();
        var policy = candidates.FirstOrDefault(t => t.SecurityPolicyUri == _channel.PolicyUri && _channel.Crypto is not null)
            ?? candidates.FirstOrDefault(t => t.SecurityPolicyUri is SecurityPolicies.Basic256Sha256 or SecurityPolicies.Aes128Sha256RsaOaep)
            ?? candidates.FirstOrDefault(t => wanted == UserTokenType.Anonymous
                || string.IsNullOrEmpty(t.SecurityPolicyUri) && _channel.Crypto is not null);
        return policy ?? throw new OpcUaException(StatusCodes.BadIdentityTokenRejected,
            $"the server's {SecurityPolicies.ShortName(_channel.PolicyUri)}/{_channel.Mode} endpoint offers no {wanted} token"
            + wanted switch
            {
                UserTokenType.UserName => " whose password is encrypted (Basic256Sha256 or Aes128_Sha256_RsaOaep)",
                UserTokenType.Certificate => " signed with Basic256Sha256 or Aes128_Sha256_RsaOaep",
                _ => string.Empty,
            });
    }

    private const string RsaSha256Uri = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

    /// <summary>
    /// The X.509 token's proof of possession (§5.6.3 userTokenSignature): RSA PKCS#1 v1.5 SHA-256 (the asymmetric
    /// signature of both policies) of the server certificate followed by the server nonce, with the user's key.
    /// </summary>
    private byte[] SignWithUserKey(X509Certificate2 user, byte[] serverNonce)
    {
        using var key = user.GetRSAPrivateKey() ?? throw new OpcUaException(StatusCodes.BadIdentityTokenInvalid, "the user certificate has no RSA private key");
        return key.SignData([.. ServerCertificate, .. serverNonce], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    private void WriteIdentityToken(UaBinaryWriter w, OpcUaIdentity identity, UserTokenPolicy policy, byte[] serverNonce)
    {
        if (identity.UserName is null && identity.Certificate is null)
        {
            // §7.41.3 AnonymousIdentityToken: PolicyId.
            w.WriteExtensionObject(NodeId.Number(ServiceIds.AnonymousIdentityToken), b => b.WriteString(policy.PolicyId));
            return;
        }

        if (identity.Certificate is { } user)
        {
            // §7.41.5 X509IdentityToken: PolicyId, CertificateData (DER); the signature goes in userTokenSignature.
            w.WriteExtensionObject(NodeId.Number(ServiceIds.X509IdentityToken), b =>
            {
                b.WriteString(policy.PolicyId);
                b.WriteByteString(user.RawData);
            });
            return;
        }

        // §7.41.4 UserNameIdentityToken: the password encrypted with the server's public key as the token policy says
        // (OPC 10000-4 §7.41.2.3: UInt32 length, then password and server nonce; RSA-OAEP with SHA-1 for Basic256Sha256).
        var password = System.Text.Encoding.UTF8.GetBytes(identity.Password ?? string.Empty);
        var plain = new byte[4 + password.Length + serverNonce.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(plain, password.Length + serverNonce.Length);
        password.CopyTo(plain, 4);
        serverNonce.CopyTo(plain, 4 + password.Length);
        using var certificate = X509CertificateLoader.LoadCertificate(ServerCertificate);
        using var rsa = certificate.GetRSAPublicKey() ?? throw new OpcUaException(StatusCodes.BadCertificateInvalid, "the server certificate has no RSA key to encrypt the password with");
        var encrypted = rsa.Encrypt(plain, RSAEncryptionPadding.OaepSHA1);
        CryptographicOperations.ZeroMemory(plain);
        CryptographicOperations.ZeroMemory(password);
        w.WriteExtensionObject(NodeId.Number(ServiceIds.UserNameIdentityToken), b =>
        {
            b.WriteString(policy.PolicyId);
            b.WriteString(identity.UserName);
            b.WriteByteString(encrypted);
            b.WriteString("http://www.w3.org/2001/04/xmlenc#rsa-oaep");
        });
    }

    /// <summary>CloseSession (§5.6.4), deleting its subscriptions.</summary>
    public async Task CloseSessionAsync(CancellationToken cancellationToken)
    {
        if (SessionId is null)
        {
            return;
        }

        var response = await CallAsync(ServiceIds.CloseSessionRequest, w => w.WriteBoolean(true), cancellationToken);
        var reader = new UaBinaryReader(response.Span);
        ResponseReader.ExpectType(ref reader, ServiceIds.CloseSessionResponse);
        SessionId = null;
        _authenticationToken = NodeId.Null;
    }

    /// <summary>Closes the session (when one is open and the channel still works) and the secure channel.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (SessionId is not null && _channel.IsOpen)
        {
            try
            {
                await CloseSessionAsync(cancellationToken);
            }
            catch (OpcUaException)
            {
                // The session may be gone already; the channel is closed all the same.
            }
        }

        await _channel.CloseAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _channel.DisposeAsync();
}
