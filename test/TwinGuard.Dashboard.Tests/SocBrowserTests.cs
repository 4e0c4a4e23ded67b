using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Access;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Share;
using Xunit.Abstractions;

namespace TwinGuard.Dashboard.Tests;

/// <summary>
/// The SOC view in headless Chromium: a <c>serve</c> host in the <c>soc</c> role with two peer sites declared, whose
/// signed incident summaries arrive in its inbox; the page lists the peers and the incidents of both sites.
/// </summary>
public sealed class SocBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SocPage_IncidentsSharedByTwoSites_ListsThemWithSiteAndTechniques()
    {
        var root = Directory.CreateTempSubdirectory("twinguard-soc-page-").FullName;
        var pki = new SiteCertificates(Path.Combine(root, "pki"), TimeProvider.System, TimeSpan.FromDays(30));
        pki.CreateAll("soc", [], [], [IPAddress.Loopback]);
        var keys = new[] { "site-a", "site-b" }.ToDictionary(id => id, id => WitnessSigningKey.LoadOrCreate(Path.Combine(root, id + ".pem"), "twinguard.peer/" + id));
        var peers = string.Concat(keys.Select(k => $$"""
              - id: {{k.Key}}
                certificate: { subject: "CN={{k.Key}}, O={{k.Key}}" }
                topics: [peer/{{k.Key}}/up]
                peer: { key: "{{k.Value.PublicKey.VerifierKey}}", ca: "{{pki.CaCertificate}}", send: [incidents] }

            """));
        var plantFile = Path.Combine(root, "plant.yaml");
        var webPort = 0;
        PlantModel plant = null!;
        // Started again on new ports (the plant model written anew) when one was taken before the site bound it.
        var (started, _) = await LoopbackSite.StartAsync(() =>
        {
            webPort = LoopbackPorts.Free();
            var yaml = File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "plant.yaml")).Replace("devices:\n", $$"""
                sharing: { role: soc }
                tls: { certificate: {{pki.ServerCertificate}}, key: {{pki.ServerKey}}, client_ca: {{pki.CaCertificate}} }
                listeners:
                  - { protocol: mqtts, address: 127.0.0.1, port: {{LoopbackPorts.Free()}} }
                  - { protocol: http, address: 127.0.0.1, port: {{webPort}} }
                devices:
                {{peers}}
                """, StringComparison.Ordinal).Replace("  id: line1\n", "  id: soc\n", StringComparison.Ordinal);
            File.WriteAllText(plantFile, yaml);
            plant = PlantModelLoader.Load(plantFile);
            return HostSettings.ForSite(plant, Path.Combine(root, "data"), "http://127.0.0.1:0", BrokerOptions.DefaultPort) with { SiloPort = LoopbackPorts.Free() };
        });
        await using var app = started;
        try
        {
            // What the broker hands the inbox when a peer publishes: a signed envelope, verified against the pinned key.
            var inbox = app.Services.GetRequiredService<PeerInbox>();
            Assert.Null(await inbox.ReceiveAsync(plant.FindDevice("site-a")!, Seal(keys["site-a"], "site-a", 4, "out_of_range on asset:tank1", ["T0832", "T0856"], "10.20.0.66"), CancellationToken.None));
            Assert.Null(await inbox.ReceiveAsync(plant.FindDevice("site-b")!, Seal(keys["site-b"], "site-b", 9, "intel_match on source:block:10.20.0.0/24", [], "10.20.0.66"), CancellationToken.None));
            // A forged one (site-b's summary signed with site-a's key) is refused and counted, and never listed.
            Assert.NotNull(await inbox.ReceiveAsync(plant.FindDevice("site-b")!, Seal(keys["site-a"], "site-b", 10, "forged", [], "10.20.0.1"), CancellationToken.None));

            var key = app.Services.GetRequiredService<ApiKeyStore>().Create("analyst", ApiRole.Viewer, null, "test");
            var (playwright, browser) = await DebianChromium.LaunchAsync();
            using var playwrightScope = playwright;
            await using var browserScope = browser;
            var page = await browser.NewPageAsync();
            await page.GotoAsync($"http://127.0.0.1:{webPort}/");
            await page.FillAsync("#api-key", key.Token);
            await page.ClickAsync("#login");
            await page.Locator("#who", new PageLocatorOptions { HasText = "analyst" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            await page.ClickAsync("#soc-link");
            await page.Locator("#soc-table tbody tr[data-site='site-b']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });

            var a = page.Locator("#soc-table tbody tr[data-site='site-a'][data-id='4']");
            Assert.Contains("T0832 T0856", await a.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("10.20.0.66", await page.Locator("#soc-table tbody tr[data-site='site-b'][data-id='9']").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(2, await page.Locator("#soc-table tbody tr").CountAsync());
            Assert.Equal(2, await page.Locator("#peers-table tbody tr").CountAsync());
            var summary = await page.Locator("#peers-summary").InnerTextAsync();
            Assert.Contains("kept 2 message(s)", summary, StringComparison.Ordinal);
            Assert.Contains("bad_signature 1", summary, StringComparison.Ordinal);
            var shot = Path.Combine(AppContext.BaseDirectory, "screenshots", $"soc-page-{DateTime.UtcNow:yyyyMMdd-HHmmss}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            output.WriteLine("soc page screenshot: " + shot);
        }
        finally
        {
            await app.StopAsync();
        }

        Directory.Delete(root, recursive: true);
    }

    private static byte[] Seal(WitnessSigningKey key, string site, long id, string title, string[] techniques, string address)
    {
        var message = new PeerMessage($"1-{id}", site, "soc", "incident", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
        {
            Incident = new PeerIncident(site, id, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "high", title, "3-findings-in-60s", ["out_of_range"], techniques)
            {
                Addresses = [address],
            },
        };
        var text = JsonSerializer.Serialize(message, PeerJson.Default.PeerMessage);
        return JsonSerializer.SerializeToUtf8Bytes(new PeerEnvelope(text, Convert.ToBase64String(key.SignMessage(Encoding.UTF8.GetBytes(text)))), PeerJson.Default.PeerEnvelope);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "TwinGuard.slnx")))
        {
            dir = dir.Parent;
        }

        return dir.FullName;
    }
}
