using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Api;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;
using TwinGuard.Server.Hosting.Sharing;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Share;

namespace TwinGuard.EndToEnd.Tests.Sharing;

/// <summary>
/// One site of a sharing test, served for real: its own PKI (CA, server certificate for 127.0.0.1, a client certificate
/// named after the site for its peers' brokers), its peer key made before start (so the others can pin it), an mqtts
/// listener for peers on loopback, and optionally a plain MQTT listener for devices on another address.
/// </summary>
internal sealed class SharingSite : IAsyncDisposable
{
    private SharingSite(string id, string root, SiteCertificates pki, WitnessSigningKey key, int mqttsPort, int httpPort)
    {
        Id = id;
        Root = root;
        Pki = pki;
        Key = key;
        MqttsPort = mqttsPort;
        HttpPort = httpPort;
    }

    public string Id { get; }

    public string Root { get; }

    public string Data => Path.Combine(Root, "data");

    public SiteCertificates Pki { get; }

    public WitnessSigningKey Key { get; }

    public int MqttsPort { get; }

    public int HttpPort { get; }

    public int MqttPort { get; } = LoopbackPorts.Free();

    public WebApplication App { get; private set; } = null!;

    public PeerService Peers => App.Services.GetRequiredService<PeerService>();

    public PeerInbox Inbox => App.Services.GetRequiredService<PeerInbox>();

    public EmbeddedBroker Broker => App.Services.GetRequiredService<EmbeddedBroker>();

    public PlantRecords Records => App.Services.GetRequiredService<PlantRecords>();

    /// <summary>Makes the site's PKI and peer key (nothing runs yet).</summary>
    public static SharingSite Prepare(string id)
    {
        var root = Directory.CreateTempSubdirectory("twinguard-share-" + id + "-").FullName;
        var pki = new SiteCertificates(Path.Combine(root, "pki"), TimeProvider.System, TimeSpan.FromDays(30));
        pki.CreateAll(id, [id], [], [IPAddress.Loopback]);
        var key = WitnessSigningKey.LoadOrCreate(Path.Combine(root, "data", "peering", "key.pem"), "twinguard.peer/" + id);
        return new SharingSite(id, root, pki, key, LoopbackPorts.Free(), LoopbackPorts.Free());
    }

    /// <summary>The <c>devices:</c> entry that declares this site as a peer of another.</summary>
    public string AsPeer(string send, bool withBroker, bool block = false, string role = "site") => $$"""
          - id: {{Id}}
            certificate: { subject: "{{SiteCertificates.DeviceSubject(Id, Id)}}" }
            topics: [peer/{{Id}}/up]
            peer: { key: "{{Key.PublicKey.VerifierKey}}", ca: "{{Pki.CaCertificate}}", role: {{role}}, send: [{{send}}], block: {{(block ? "true" : "false")}}{{(withBroker ? $", broker: \"127.0.0.1:{MqttsPort}\"" : "")}} }

        """;

    /// <summary>Serves the site with the sample plant, <paramref name="peers"/> as extra devices, and a plain listener on <paramref name="deviceAddress"/>.</summary>
    public async Task StartAsync(string role, string peers, string? deviceAddress)
    {
        var plain = deviceAddress is null ? string.Empty : $"  - {{ protocol: mqtt, address: {deviceAddress}, port: {MqttPort} }}\n";
        var head = $$"""
            sharing: { role: {{role}}, certificate: {{Pki.DeviceCertificate(Id)}}, key: {{Pki.DeviceKey(Id)}} }
            tls:
              certificate: {{Pki.ServerCertificate}}
              key: {{Pki.ServerKey}}
              client_ca: {{Pki.CaCertificate}}
            listeners:
              - { protocol: mqtts, address: 127.0.0.1, port: {{MqttsPort}} }
              - { protocol: http, address: 127.0.0.1, port: {{HttpPort}} }
            {{plain}}devices:
            {{peers}}
            """;
        var yaml = (await File.ReadAllTextAsync(ServedSite.SamplePlantPath))
            .Replace("  id: line1\n", $"  id: {Id}\n", StringComparison.Ordinal)
            .Replace("devices:\n", head, StringComparison.Ordinal)
            .Replace("    addresses: [127.0.0.1]\n", string.Empty, StringComparison.Ordinal); // devices may connect from the plant network
        var plantFile = Path.Combine(Root, "plant.yaml");
        await File.WriteAllTextAsync(plantFile, yaml);
        var settings = HostSettings.ForSite(PlantModelLoader.Load(plantFile), Data, "http://127.0.0.1:0", BrokerOptions.DefaultPort) with { SiloPort = LoopbackPorts.Free() };
        App = TwinGuardHost.Build(settings);
        await App.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // left in /tmp: harmless
        }
    }
}
