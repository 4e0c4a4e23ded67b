using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Edge.Site;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.EndToEnd.Tests.Edge;

/// <summary>
/// A site served for real (mqtts with the site CA, the sample playbooks) with one edge agent, <c>edge1</c>, declared in
/// its plant model with its certificate and its ledger's key, and the edge's certificates on disk.
/// </summary>
internal sealed class EdgeSiteFixture : IAsyncDisposable
{
    private EdgeSiteFixture(string root, SiteCertificates certificates, string plantFile, string edgeKey, WebApplication app, HostSettings settings, int mqttsPort)
    {
        Root = root;
        Certificates = certificates;
        PlantFile = plantFile;
        EdgeLedgerKey = edgeKey;
        App = app;
        Settings = settings;
        MqttsPort = mqttsPort;
    }

    public string Root { get; }

    public SiteCertificates Certificates { get; }

    public string PlantFile { get; }

    public string EdgeLedgerKey { get; }

    public string EdgeData => Path.Combine(Root, "edge");

    public WebApplication App { get; }

    public HostSettings Settings { get; }

    public int MqttsPort { get; }

    public EdgeSite Edges => App.Services.GetRequiredService<EdgeSite>();

    public ResponseEngine Engine => App.Services.GetRequiredService<ResponseEngine>();

    public string WitnessKeyFile => Path.Combine(Settings.DataDirectory, "edge-witness", "witness.vkey");

    public static string PlaybooksPath => Path.Combine(ServedSite.RepositoryRoot(), "samples", "playbooks.yaml");

    public static async Task<EdgeSiteFixture> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("twinguard-edge-").FullName;
        var certificates = new SiteCertificates(Path.Combine(root, "pki"), TimeProvider.System, TimeSpan.FromDays(30));
        certificates.CreateAll("line1", ["edge1", "vibration-node"], [], [IPAddress.Loopback]);
        var (code, key, error) = await EdgeProcess.RunAsync("key", "--data-dir", Path.Combine(root, "edge"));
        if (code != 0)
        {
            throw new InvalidOperationException($"twinguard-edge key failed ({code}): {error}");
        }

        var plantFile = Path.Combine(root, "plant.yaml");
        var template = await File.ReadAllTextAsync(ServedSite.SamplePlantPath);
        var mqttsPort = 0;
        // The listeners' ports are written into the plant model: each try (another on new ports when one was taken
        // before the site bound it) writes it anew.
        var (app, settings) = await LoopbackSite.StartAsync(() =>
        {
            mqttsPort = LoopbackPorts.Free();
            var httpPort = LoopbackPorts.Free();
            var site = $$"""
                tls:
                  certificate: {{certificates.ServerCertificate}}
                  key: {{certificates.ServerKey}}
                  client_ca: {{certificates.CaCertificate}}
                listeners:
                  - { protocol: mqtts, address: 127.0.0.1, port: {{mqttsPort}} }
                  - { protocol: http, address: 127.0.0.1, port: {{httpPort}} }
                devices:
                  - id: edge1
                    name: Gateway beside the water loop
                    certificate: { subject: "{{SiteCertificates.DeviceSubject("line1", "edge1")}}" }
                    topics: [edge/edge1/up]
                    subscribe: [edge/edge1/down]
                    edge: { ledger_key: "{{key.Trim()}}" }

                """;
            // vibration-node proves itself by certificate too (for the edge's mqtts listener).
            var yaml = template.Replace("devices:\n", site, StringComparison.Ordinal)
                .Replace("  - id: vibration-node\n", $"  - id: vibration-node\n    certificate: {{ subject: \"{SiteCertificates.DeviceSubject("line1", "vibration-node")}\" }}\n", StringComparison.Ordinal);
            File.WriteAllText(plantFile, yaml);
            var plant = PlantModelLoader.Load(plantFile);
            return HostSettings.ForSite(plant, Path.Combine(root, "site"), "http://127.0.0.1:0", BrokerOptions.DefaultPort) with
            {
                SiloPort = LoopbackPorts.Free(),
                Response = PlaybookLoader.Load(PlaybooksPath, plant),
            };
        });
        return new EdgeSiteFixture(root, certificates, plantFile, key.Trim(), app, settings, mqttsPort);
    }

    /// <summary>The arguments of <c>twinguard-edge run</c> for edge1, reaching the site through <paramref name="sitePort"/>.</summary>
    public IReadOnlyList<string> EdgeArguments(int devicePort, int sitePort) =>
    [
        "run", "--edge-id", "edge1", "--config", PlantFile, "--playbooks", PlaybooksPath, "--data-dir", EdgeData,
        "--listen", $"127.0.0.1:{devicePort}", "--site", $"127.0.0.1:{sitePort}", "--site-ca", Certificates.CaCertificate,
        "--cert", Certificates.DeviceCertificate("edge1"), "--key", Certificates.DeviceKey("edge1"), "--site-witness-key", WitnessKeyFile,
        "--checkpoint-interval", "1s",
    ];

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a process may still hold a file for a moment; the temporary directory is the system's to clean
        }
    }
}
