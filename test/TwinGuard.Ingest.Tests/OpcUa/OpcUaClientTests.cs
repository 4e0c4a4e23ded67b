using TwinGuard.Ingest.OpcUa.Client;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.SecureChannel;
using TwinGuard.Ingest.OpcUa.Services;
using TwinGuard.Ingest.OpcUa.Transport;

namespace TwinGuard.Ingest.Tests.OpcUa;

/// <summary>The client against a real node-opcua server: every service TwinGuard uses, with policy None.</summary>
public sealed class OpcUaClientTests
{
    private static async Task<OpcUaClient> ConnectAsync(NodeOpcUaServer server, OpcUaIdentity? identity = null)
    {
        var client = await OpcUaClient.ConnectAsync(OpcUaEndpointUrl.Parse(server.Url), OpcUaClientOptions.Default, TimeProvider.System, CancellationToken.None);
        await client.OpenSessionAsync("test", identity ?? OpcUaIdentity.Anonymous, CancellationToken.None);
        return client;
    }

    [Fact]
    public async Task GetEndpoints_NodeOpcUa_ListsNoneAndBasic256Sha256WithTheServerCertificate()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var client = await OpcUaClient.ConnectAsync(OpcUaEndpointUrl.Parse(server.Url), OpcUaClientOptions.Default, TimeProvider.System, CancellationToken.None);

        var endpoints = await client.GetEndpointsAsync(CancellationToken.None);

        Assert.Contains(endpoints, e => e.SecurityPolicyUri == SecurityPolicies.None && e.SecurityMode == MessageSecurityMode.None);
        Assert.Contains(endpoints, e => e.SecurityPolicyUri == SecurityPolicies.Basic256Sha256 && e.SecurityMode == MessageSecurityMode.SignAndEncrypt);
        var fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(endpoints[0].ServerCertificate));
        Assert.Equal(server.Fingerprint, fingerprint);
        await client.CloseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Read_AnonymousSession_ReturnsThePumpSpeedWithBothTimestamps()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var client = await ConnectAsync(server);

        var values = await client.ReadAsync([NodeId.Parse("ns=1;s=pump1.speed"), NodeId.Parse("ns=1;s=pump1.nothing")], AttributeIds.Value, CancellationToken.None);

        Assert.True(values[0].Status.IsGood);
        Assert.True(values[0].Value.TryGetDouble(out var speed));
        Assert.InRange(speed, 1300, 1700);
        Assert.NotNull(values[0].SourceTimestamp);
        Assert.NotNull(values[0].ServerTimestamp);
        Assert.Equal(StatusCodes.BadNodeIdUnknown, values[1].Status);
        await client.CloseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task OpenSession_UserNameWithEncryptedPassword_IsAcceptedAndAWrongPasswordIsRefused()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var client = await ConnectAsync(server, new OpcUaIdentity("operator", "pump-secret"));
        var values = await client.ReadAsync([NodeId.Parse("ns=1;s=pump1.flow")], AttributeIds.Value, CancellationToken.None);
        Assert.True(values[0].Status.IsGood);

        var error = await Assert.ThrowsAsync<OpcUaException>(() => ConnectAsync(server, new OpcUaIdentity("operator", "wrong")));
        Assert.True(error.Status.IsBad, error.Message);
    }

    [Fact]
    public async Task Browse_ObjectsFolder_FindsThePumpAndItsSignals()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var client = await ConnectAsync(server);

        var objects = await client.BrowseAsync(NodeId.Number(85), CancellationToken.None);
        var pump = Assert.Single(objects, r => r.BrowseName.Name == "Pump1");
        var signals = await client.BrowseAsync(pump.NodeId.NodeId, CancellationToken.None);

        Assert.Contains(signals, r => r.NodeId.NodeId.Equals(NodeId.Parse("ns=1;s=pump1.motor_temp")) && r.NodeClass == NodeClass.Variable);
        Assert.Equal(7, signals.Count(r => r.NodeClass == NodeClass.Variable));
    }

    [Fact]
    public async Task Publish_MonitoredSpeed_DeliversDataChangesInSequence()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        await using var client = await ConnectAsync(server);
        var subscription = await client.CreateSubscriptionAsync(TimeSpan.FromMilliseconds(100), 100, 10, CancellationToken.None);
        var results = await client.CreateMonitoredItemsAsync(subscription.SubscriptionId,
            [new MonitoredItemRequest(NodeId.Parse("ns=1;s=pump1.speed"), 7, TimeSpan.FromMilliseconds(50), 0),
             new MonitoredItemRequest(NodeId.Parse("ns=1;s=pump1.gone"), 8, TimeSpan.FromMilliseconds(50), 0)], CancellationToken.None);
        Assert.True(results[0].Status.IsGood);
        Assert.Equal(StatusCodes.BadNodeIdUnknown, results[1].Status);

        var sequences = new List<uint>();
        var changes = 0;
        var acks = new List<(uint, uint)>();
        while (changes < 5)
        {
            var publish = await client.PublishAsync(acks, TimeSpan.FromSeconds(10), CancellationToken.None);
            acks.Clear();
            if (!publish.Message.IsKeepAlive)
            {
                sequences.Add(publish.Message.SequenceNumber);
                acks.Add((publish.SubscriptionId, publish.Message.SequenceNumber));
                Assert.All(publish.Message.DataChanges, c => Assert.Equal(7u, c.ClientHandle));
                changes += publish.Message.DataChanges.Count;
            }
        }

        Assert.Equal(Enumerable.Range((int)sequences[0], sequences.Count).Select(i => (uint)i), sequences);
        await client.CloseAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(SecurityPolicies.Basic256Sha256, MessageSecurityMode.Sign, null)]
    [InlineData(SecurityPolicies.Basic256Sha256, MessageSecurityMode.SignAndEncrypt, null)]
    [InlineData(SecurityPolicies.Basic256Sha256, MessageSecurityMode.SignAndEncrypt, "operator")]
    [InlineData(SecurityPolicies.Basic256Sha256, MessageSecurityMode.Sign, "CN=twinguard-x509-user")]
    [InlineData(SecurityPolicies.Aes128Sha256RsaOaep, MessageSecurityMode.Sign, null)]
    [InlineData(SecurityPolicies.Aes128Sha256RsaOaep, MessageSecurityMode.SignAndEncrypt, "operator")]
    [InlineData(SecurityPolicies.Aes128Sha256RsaOaep, MessageSecurityMode.SignAndEncrypt, "CN=twinguard-x509-user")]
    public async Task Read_SecuredChannel_WorksAgainstNodeOpcUa(string policy, MessageSecurityMode mode, string? user)
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        var url = OpcUaEndpointUrl.Parse(server.Url);
        byte[] serverCertificate;
        await using (var discovery = await OpcUaClient.ConnectAsync(url, OpcUaClientOptions.Default, TimeProvider.System, CancellationToken.None))
        {
            serverCertificate = (await discovery.GetEndpointsAsync(CancellationToken.None)).First(e => e.SecurityMode == mode).ServerCertificate;
        }

        using var certificate = OpcUaClientCertificate.LoadOrCreate(null, TimeProvider.System);
        await using var client = await OpcUaClient.ConnectAsync(url, OpcUaClientOptions.Default, TimeProvider.System, CancellationToken.None,
            new OpcUaSecurity(mode, certificate, serverCertificate, policy));
        using var userCertificate = user?.StartsWith("CN=", StringComparison.Ordinal) == true ? UserCertificates.Create(user) : null;
        var identity = userCertificate is not null ? OpcUaIdentity.FromCertificate(userCertificate)
            : user is null ? OpcUaIdentity.Anonymous : new OpcUaIdentity(user, "pump-secret");
        await client.OpenSessionAsync("secure", identity, CancellationToken.None);

        var values = await client.ReadAsync([NodeId.Parse("ns=1;s=pump1.speed")], AttributeIds.Value, CancellationToken.None);
        Assert.True(values[0].Status.IsGood);
        Assert.Equal(policy, client.Channel.PolicyUri);

        // Subscriptions work over the secured channel as well (several MSG chunks each way).
        var subscription = await client.CreateSubscriptionAsync(TimeSpan.FromMilliseconds(100), 100, 10, CancellationToken.None);
        await client.CreateMonitoredItemsAsync(subscription.SubscriptionId, [new MonitoredItemRequest(NodeId.Parse("ns=1;s=pump1.flow"), 1, TimeSpan.FromMilliseconds(50), 0)], CancellationToken.None);
        var publish = await client.PublishAsync([], TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.NotEmpty(publish.Message.DataChanges);
        await client.CloseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task OpenSession_X509UserCertificateOverNone_IsAcceptedWithItsSignature()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        using var user = UserCertificates.Create("CN=twinguard-x509-user");

        // Policy None: the token policy names Basic256Sha256 or Aes128_Sha256_RsaOaep, whose signature proves the key.
        await using var client = await ConnectAsync(server, OpcUaIdentity.FromCertificate(user));
        var values = await client.ReadAsync([NodeId.Parse("ns=1;s=pump1.flow")], AttributeIds.Value, CancellationToken.None);
        Assert.True(values[0].Status.IsGood);
        await client.CloseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task OpenSession_X509UserCertificateWithoutItsPrivateKey_IsNotSent()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        using var user = UserCertificates.Create("CN=twinguard-x509-user");
        using var publicOnly = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(user.RawData);

        var error = await Assert.ThrowsAsync<OpcUaException>(() => ConnectAsync(server, OpcUaIdentity.FromCertificate(publicOnly)));
        Assert.Equal(StatusCodes.BadIdentityTokenInvalid, error.Status);
    }

    [Fact]
    public async Task Connect_Basic256Sha256WithAnotherServersCertificate_IsRefused()
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        using var certificate = OpcUaClientCertificate.LoadOrCreate(null, TimeProvider.System);
        using var impostor = OpcUaClientCertificate.LoadOrCreate(null, TimeProvider.System);

        // The server cannot decrypt a request encrypted for another key: it refuses, the client reports it.
        await Assert.ThrowsAnyAsync<OpcUaException>(() => OpcUaClient.ConnectAsync(OpcUaEndpointUrl.Parse(server.Url),
            OpcUaClientOptions.Default with { RequestTimeout = TimeSpan.FromSeconds(5) }, TimeProvider.System, CancellationToken.None,
            new OpcUaSecurity(MessageSecurityMode.SignAndEncrypt, certificate, impostor.RawData)));
    }

    [Theory]
    [InlineData(MessageSecurityMode.None)]
    [InlineData(MessageSecurityMode.SignAndEncrypt)]
    public async Task Channel_ShortTokenLifetime_IsRenewedAndKeepsWorking(MessageSecurityMode mode)
    {
        await using var server = await NodeOpcUaServer.StartAsync();
        var url = OpcUaEndpointUrl.Parse(server.Url);
        var options = OpcUaClientOptions.Default with { TokenLifetime = TimeSpan.FromSeconds(2) };
        OpcUaSecurity? security = null;
        using var certificate = OpcUaClientCertificate.LoadOrCreate(null, TimeProvider.System);
        if (mode != MessageSecurityMode.None)
        {
            await using var discovery = await OpcUaClient.ConnectAsync(url, options, TimeProvider.System, CancellationToken.None);
            security = new OpcUaSecurity(mode, certificate, (await discovery.GetEndpointsAsync(CancellationToken.None)).First(e => e.SecurityMode == mode).ServerCertificate);
        }

        await using var client = await OpcUaClient.ConnectAsync(url, options, TimeProvider.System, CancellationToken.None, security);
        await client.OpenSessionAsync("renewal", OpcUaIdentity.Anonymous, CancellationToken.None);
        var firstToken = client.Channel.Token!.TokenId;

        await Eventually.HoldsAsync(() => client.Channel.Renewals, n => n >= 2, TimeSpan.FromSeconds(60), "two renewals");

        Assert.NotEqual(firstToken, client.Channel.Token!.TokenId);
        var values = await client.ReadAsync([NodeId.Parse("ns=1;s=pump1.speed")], AttributeIds.Value, CancellationToken.None);
        Assert.True(values[0].Status.IsGood);
        Assert.True(client.Channel.IsOpen);
    }
}
