using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TwinGuard.Server.Access;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;
using TwinGuard.Simulator.Scenarios;
using Xunit.Abstractions;

namespace TwinGuard.Dashboard.Tests;

/// <summary>
/// The compliance report of a real simulate run in headless Chromium: the HTML file opens offline and its charts are
/// drawn, and the dashboard's compliance page shows the status table and a cited entry's payload.
/// </summary>
public sealed class ComplianceBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ComplianceReport_OfSimulateRun_RendersChartsOfflineAndOnTheDashboardPage()
    {
        var settings = SimulateCommand.SampleSettings(seed: 2) with { KeepData = true };
        var summary = await SimulateCommand.RunAsync(new SimulatePlan([ScenarioLibrary.Resolve("spike")]), settings, null, CancellationToken.None);
        var dataDir = Assert.Single(summary.Runs).DataDirectory!;
        await SelfTestRecorder.RecordAsync(dataDir, summary.Runs, TimeProvider.System);
        var html = Path.Combine(dataDir, "report.html");
        Assert.Equal(0, await TwinGuardCli.RunAsync(["compliance", "report", "--standard", "iec62443-3-3", "--target-sl", "2", "--data-dir", dataDir, "--format", "html", "--output", html]));

        var (playwright, browser) = await DebianChromium.LaunchAsync();
        using var playwrightScope = playwright;
        await using var browserScope = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 1400 } });
        var requests = new List<string>();
        page.Request += (_, r) => requests.Add(r.Url);
        await page.GotoAsync(new Uri(html).AbsoluteUri);

        // Five charts, each an SVG with drawn paths; findings and per-asset bars have data from the run.
        Assert.Equal(5, await page.Locator("svg.chart").CountAsync());
        foreach (var chart in new[] { "findings", "incidents", "contain", "refusals", "assets" })
        {
            var paths = await page.Locator($"svg.chart[data-chart='{chart}'] path").EvaluateAllAsync<string[]>("ps => ps.map(p => p.getAttribute('d'))");
            Assert.True(paths.Length > 0 && paths.All(d => d.Length > 3), $"chart {chart} draws no path");
        }

        foreach (var chart in new[] { "findings", "assets" })
        {
            var box = await page.Locator($"svg.chart[data-chart='{chart}'] path.series").First.BoundingBoxAsync();
            Assert.True(box is { Width: > 0, Height: > 0 }, $"chart {chart} has no visible bars");
        }

        Assert.Equal("met", await page.Locator("#control-SR-3-3").GetAttributeAsync("data-status"));
        Assert.True(await page.Locator("#citations tbody tr").CountAsync() > 5);
        Assert.All(requests, url => Assert.StartsWith("file://", url, StringComparison.Ordinal)); // nothing fetched: it reads offline
        await Screenshot(page, "compliance-report");

        // The dashboard's compliance page on a serve host over the same data directory.
        var (started, host) = await LoopbackSite.StartAsync(() => LoopbackSite.Settings(settings.Plant, dataDir) with { PlantSource = settings.PlantSource });
        await using var app = started;
        try
        {
            var key = app.Services.GetRequiredService<ApiKeyStore>().Create("auditor", ApiRole.Viewer, null, "test");
            await page.GotoAsync(host.Urls + "/");
            await page.FillAsync("#api-key", key.Token);
            await page.ClickAsync("#login");
            await page.Locator("#who", new PageLocatorOptions { HasText = "auditor" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            await page.ClickAsync("#compliance-link");
            await page.Locator("#standard option[value='iec62443-3-3']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });
            await page.SelectOptionAsync("#standard", "iec62443-3-3");
            await page.SelectOptionAsync("#target-sl", "2");
            await page.ClickAsync("#make-report");
            var sr33 = page.Locator("#compliance-table tbody tr[data-id='SR 3.3']");
            await sr33.WaitForAsync(new LocatorWaitForOptions { Timeout = 90_000 });
            Assert.Equal("met", await sr33.GetAttributeAsync("data-status"));
            Assert.True(await page.Locator("#compliance-table tbody tr[data-status='not-met']").CountAsync() > 0, "the sample plant's devices have no certificates (SR 1.8): not met");
            output.WriteLine("summary: " + await page.Locator("#compliance-summary").InnerTextAsync());
            await sr33.Locator("a.entry").First.ClickAsync();
            var payload = await page.Locator("#entry-payload").InnerTextAsync();
            Assert.Contains("\"scenario\": \"spike\"", payload, StringComparison.Ordinal);
            // The downloads appear once the HTML report, asked for after the JSON one, has come too.
            await page.Locator("#downloads").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = 60_000 });
            await Screenshot(page, "compliance-page");
        }
        finally
        {
            await app.StopAsync();
        }

        await app.DisposeAsync();
        Directory.Delete(dataDir, recursive: true);
    }

    private async Task Screenshot(IPage page, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", $"{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"{name} screenshot: {path}");
        Console.WriteLine($"{name} screenshot: {path}");
    }
}
