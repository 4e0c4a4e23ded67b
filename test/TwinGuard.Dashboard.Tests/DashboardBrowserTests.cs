using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TwinGuard.Server.Access;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;
using TwinGuard.Simulator.Attacks;
using TwinGuard.Simulator.Running;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;
using Xunit.Abstractions;

namespace TwinGuard.Dashboard.Tests;

/// <summary>
/// The dashboard in headless Chromium during a demo-like run: the plant simulator attacks a real serve host, the
/// attacked asset turns red without a page reload, and an operator approves a pending action and releases the
/// quarantine with the dashboard's buttons.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RunLength = TimeSpan.FromSeconds(50);

    [Fact]
    public async Task Dashboard_DuringAttack_TurnsAssetRedLiveAndApprovesAndReleasesThroughButtons()
    {
        var plant = PlantModelLoader.Load(Path.Combine(RepositoryRoot(), "samples", "plant.yaml"));
        var campaign = new SimulatorOptions { Seed = 5, Duration = RunLength, Attacks = [AttackNames.Drift] };
        AttackPlan attack;
        await using (var planned = new SimulatorRunner(campaign)) // the attack's plan, known before the site (and its broker's port)
        {
            attack = Assert.Single(planned.GroundTruth);
        }

        var target = attack.Target.AssetId!;
        output.WriteLine($"attack: {attack.Describe()} from {attack.Start.TotalSeconds:0} s to {attack.End.TotalSeconds:0} s");

        // Isolate the attacked asset at once; making its twin read-only waits for an operator.
        var plan = PlaybookLoader.Parse(
            $$"""
            poll_interval: 200ms
            playbooks:
              - id: isolate-attacked-asset
                trigger: { scope: asset, severity: low, assets: [{{target}}] }
                actions:
                  - quarantine: asset
                  - read_only: asset
                    approval: { timeout: 1h, on_timeout: deny }
            """,
            plant);
        var dataDir = Directory.CreateTempSubdirectory("twinguard-dashboard-").FullName;

        // Over HTTPS with a certificate of `twinguard certs`: Chromium trusts exactly its public key (SPKI pin), no other.
        var certificates = new SiteCertificates(Path.Combine(dataDir, "certs"), TimeProvider.System, TimeSpan.FromDays(2));
        certificates.CreateAll(plant.Site.Id, [], [], []);
        var (started, settings) = await LoopbackSite.StartAsync(() =>
        {
            var onPorts = LoopbackSite.Settings(plant with { Tls = new TlsSettings(certificates.ServerCertificate, certificates.ServerKey, null, new HashSet<string>()) }, dataDir);
            var webPort = LoopbackPorts.Free();
            return onPorts with
            {
                Urls = $"https://127.0.0.1:{webPort}",
                Response = plan,
                WebListeners = [new ListenerModel(ListenerProtocol.Https, IPAddress.Loopback, webPort)],
            };
        });
        await using var app = started;
        await using var simulator = new SimulatorRunner(campaign with { Port = settings.Broker.Port });
        using var serverCertificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificates.ServerCertificate));
        var spki = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(serverCertificate.PublicKey.ExportSubjectPublicKeyInfo()));
        var key = app.Services.GetRequiredService<ApiKeyStore>().Create("olga", ApiRole.Operator, null, "test");

        var (playwright, browser) = await DebianChromium.LaunchAsync("--ignore-certificate-errors-spki-list=" + spki);
        using var playwrightScope = playwright;
        await using var browserScope = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1300 } });
        var consoleErrors = new List<string>();
        page.Console += (_, m) =>
        {
            // The one refusal the test provokes (a verdict on a read-only twin) is logged by Chromium as a failed load.
            if (m.Type == "error" && !m.Text.Contains("status of 423", StringComparison.Ordinal))
            {
                consoleErrors.Add($"{m.Text} ({m.Location})");
            }
        };

        var loaded = await page.GotoAsync(settings.Urls + "/");
        Assert.StartsWith("https://", page.Url, StringComparison.Ordinal);
        Assert.Equal("max-age=31536000", loaded!.Headers["strict-transport-security"]);
        await page.FillAsync("#api-key", key.Token);
        await page.ClickAsync("#login");
        var tile = page.Locator($".asset[data-asset='{target}']");
        await tile.WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
        Assert.NotEqual("quarantined", await tile.GetAttributeAsync("data-state"));
        await page.EvaluateAsync("() => { window.__sameDocument = 'yes'; }");
        await tile.ClickAsync();

        using var stop = new CancellationTokenSource();
        var running = simulator.RunAsync(stop.Token);
        string[] errorsWhileServing;
        try
        {
            await OperateAsync(page, target, key, dataDir);
        }
        finally
        {
            // Once the host stops, the page's next fetch can only be refused: only errors before that count.
            errorsWhileServing = [.. consoleErrors];
            // The simulator stops before the host, so no reading is in flight when the silo shuts down.
            await stop.CancelAsync();
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync();
        }

        Assert.True(errorsWhileServing.Length == 0, "browser console errors: " + string.Join("; ", errorsWhileServing));
    }

    private async Task OperateAsync(IPage page, string target, NewApiKey key, string dataDir)
    {
        // The attack turns the asset red, pushed by the server: the document is never reloaded.
        await page.Locator($".asset[data-asset='{target}'].quarantined").WaitForAsync(new LocatorWaitForOptions { Timeout = 90_000 });
        output.WriteLine($"{target} turned red at {DateTime.UtcNow:HH:mm:ss.fff}");
        await page.Locator(".chart .uplot").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        // The physics of the attacked asset, from its relation grains: one row per relation that reads it.
        await page.Locator("#relations tbody tr[data-relation]").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        output.WriteLine("relations shown: " + string.Join(", ", await page.Locator("#relations tbody tr").AllInnerTextsAsync()));

        using var store = ResponseStore.Open(dataDir);
        var pending = await Eventually.HoldsAsync(() => store.Approvals().FirstOrDefault(), a => a is not null, TimeSpan.FromSeconds(20), "a pending approval");
        await page.FillAsync("#reason", "drift confirmed on the dashboard");
        await page.ClickAsync($"button.approve[data-id='{pending!.Id}']");
        var decided = await Eventually.HoldsAsync(() => store.FindApproval(pending.Id)!, a => a.Status == "executed", TimeSpan.FromSeconds(20), "the approval carried out");
        Assert.Equal(key.Key.Actor, decided.DecidedBy);
        await Eventually.HoldsAsync(() => store.FindActive(QuarantineKind.ReadOnly, target), q => q is not null, TimeSpan.FromSeconds(10), "the twin made read-only");

        var quarantine = store.FindActive(QuarantineKind.Asset, target)!;
        await page.ClickAsync($"button.release[data-id='{quarantine.Id}']");
        var released = await Eventually.HoldsAsync(() => store.FindQuarantine(quarantine.Id)!, q => q.Lifted is not null, TimeSpan.FromSeconds(20), "the quarantine lifted");
        Assert.Equal(key.Key.Actor, released.ReleasedBy);
        await page.Locator($"#quarantines tbody tr[data-id='{quarantine.Id}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached, Timeout = 30_000 });
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.__sameDocument"));

        // The incident: its timeline shows the playbook's quarantine, the operator's approval and release. (The release
        // closed it: if the attack goes on, a newer incident may sit above it in the list.)
        await page.Locator($"#incidents tbody tr[data-id='{quarantine.IncidentId}']").ClickAsync();
        await page.Locator("#timeline li", new PageLocatorOptions { HasText = "released" }).First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.True(await page.Locator("#evidence tbody tr").CountAsync() > 0, "the incident shows no evidence");
        // Its MITRE ATT&CK for ICS techniques, with links to their pages.
        Assert.StartsWith("MITRE ATT&CK for ICS: T0", await page.Locator("#incident-attack").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("#evidence a[href^='https://attack.mitre.org/techniques/T0']").CountAsync() > 0, "the evidence names no technique");
        Assert.Contains(key.Key.Actor, await page.Locator("#actions").InnerTextAsync(), StringComparison.Ordinal);

        // The approved lockdown made the twin read-only: the operator's verdict on its incident is refused (423) and says why.
        await page.ClickAsync("#verdict-confirmed");
        await page.Locator("#verdict-message", new PageLocatorOptions { HasText = "read-only" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        output.WriteLine("verdict while read-only: " + await page.Locator("#verdict-message").InnerTextAsync());

        var screenshot = Path.Combine(AppContext.BaseDirectory, "screenshots", $"dashboard-{DateTime.UtcNow:yyyyMMdd-HHmmss}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"dashboard screenshot: {screenshot}");
        Console.WriteLine($"dashboard screenshot: {screenshot}");
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TwinGuard.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("TwinGuard.slnx not found above " + AppContext.BaseDirectory);
    }
}
