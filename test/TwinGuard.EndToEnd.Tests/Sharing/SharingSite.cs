using System.Net;
using System.Net.Sockets;
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
    private readonly List<TcpListener> _held = [];
    private string? _deviceAddress;

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
        // The peers' plant models name this site's ports before it starts: held bound until it does, so that no other
        // process takes them in the seconds between (found free, then bound by the site, as elsewhere, was a race).
        var held = new[] { HoldFreePort(), HoldFreePort() };
        var site = new SharingSite(id, root, pki, key, ((IPEndPoint)held[0].LocalEndpoint).Port, ((IPEndPoint)held[1].LocalEndpoint).Port);
        site._held.AddRange(held);
        return site;
    }

    private static TcpListener HoldFreePort()
    {
        for (var attempt = 1; ; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, LoopbackPorts.Free());
            try
            {
                listener.Start();
                return listener;
            }
            catch (SocketException ex) when (attempt < 10 && ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                listener.Dispose();
            }
        }
    }

    /// <summary>This site's ledger's verifier key (written at its first start), what a peer declares as its <c>ledger_key</c>.</summary>
    public string LedgerKey => File.ReadAllText(Path.Combine(Data, "ledger", "signing-key.vkey")).Trim();

    /// <summary>The <c>devices:</c> entry that declares this site as a peer of another (witnessing its ledger with <paramref name="ledgerKey"/>).</summary>
    public string AsPeer(string send, bool withBroker, bool block = false, string role = "site", string? ledgerKey = null) => $$"""
          - id: {{Id}}
            certificate: { subject: "{{SiteCertificates.DeviceSubject(Id, Id)}}" }
            topics: [peer/{{Id}}/up]
            peer: { key: "{{Key.PublicKey.VerifierKey}}", ca: "{{Pki.CaCertificate}}", role: {{role}}, send: [{{send}}], block: {{(block ? "true" : "false")}}{{(withBroker ? $", broker: \"127.0.0.1:{MqttsPort}\"" : "")}}{{(ledgerKey is null ? "" : $", ledger_key: \"{ledgerKey}\"")}} }

        """;

    /// <summary>Serves the site with the sample plant, <paramref name="peers"/> as extra devices, and a plain listener on <paramref name="deviceAddress"/>.</summary>
    /// <remarks>With no peers and the <c>site</c> role the plant model has no <c>sharing:</c> section at all: a site that shares nothing.</remarks>
    public async Task StartAsync(string role, string peers, string? deviceAddress)
    {
        _deviceAddress = deviceAddress;
        await WritePlantAsync(role, peers);
        await RestartAsync();
    }

    /// <summary>Writes the plant model with <paramref name="peers"/> and has the running site reload it (no restart).</summary>
    public async Task ReloadAsync(string role, string peers)
    {
        await WritePlantAsync(role, peers);
        var reloader = App.Services.GetRequiredService<PlantModelReloader>();
        var before = reloader.Generation;
        var result = await reloader.ReloadAsync(CancellationToken.None); // the file watcher may have applied it already
        Assert.True(result.Applied || reloader.Generation > before, result.Message);
    }

    /// <summary>Stops the site (if running) and serves it again from the same data directory and plant model.</summary>
    public async Task RestartAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        foreach (var held in _held)
        {
            held.Stop(); // released only now, for the site to bind
        }

        _held.Clear();
        (App, _) = await LoopbackSite.StartAsync(() => HostSettings.ForSite(PlantModelLoader.Load(PlantFile), Data, "http://127.0.0.1:0", BrokerOptions.DefaultPort) with
        {
            SiloPort = LoopbackPorts.Free(), // picked anew when it was taken
            PlantSource = PlantFile,
        });
    }

    private string PlantFile => Path.Combine(Root, "plant.yaml");

    private async Task WritePlantAsync(string role, string peers)
    {
        var plain = _deviceAddress is null ? string.Empty : $"  - {{ protocol: mqtt, address: {_deviceAddress}, port: {MqttPort} }}\n";
        var sharing = peers.Length == 0 && role == "site" ? string.Empty
            : $"sharing: {{ role: {role}, certificate: {Pki.DeviceCertificate(Id)}, key: {Pki.DeviceKey(Id)} }}\n";
        var head = $$"""
            {{sharing}}tls:
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
        // Written whole and renamed, as an editor does: the file watcher never reads half a file.
        var temporary = PlantFile + ".tmp";
        await File.WriteAllTextAsync(temporary, yaml);
        File.Move(temporary, PlantFile, overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var held in _held)
        {
            held.Stop();
        }

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
