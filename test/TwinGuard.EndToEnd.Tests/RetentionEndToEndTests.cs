using System.Text;
using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Verification;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>A served site applies its plant model's retention at start: old evidence goes, a ledger entry says what went.</summary>
public sealed class RetentionEndToEndTests
{
    [Fact]
    public async Task Serve_OldRefusalsAndReports_PrunedAtStart_RecordedInTheLedger_WhichStillVerifies()
    {
        var dataDir = Directory.CreateTempSubdirectory("twinguard-retention-e2e-").FullName;
        try
        {
            var now = DateTimeOffset.UtcNow;
            using (var store = PlantStore.Open(dataDir))
            {
                for (var i = 0; i < 30; i++)
                {
                    store.Insert(new Refusal(now.AddDays(-59.5 + i), ReasonCode.UnauthorisedTopic, "tank-gateway", "c", "127.0.0.1:1", "plant/x", null, null, "old", Encoding.UTF8.GetBytes("p")));
                }
            }

            var reports = Directory.CreateDirectory(Path.Combine(dataDir, "reports")).FullName;
            await File.WriteAllTextAsync(Path.Combine(reports, "incident-1.md"), "old report");
            File.SetLastWriteTimeUtc(Path.Combine(reports, "incident-1.md"), now.AddDays(-20).UtcDateTime);
            var plant = PlantModelLoader.WithSwitches(ServedSite.Plant, ["retention.refusals.max_age=45d", "retention.reports.max_age=10d"]);

            await using (var site = await ServedSite.StartAsync(plant, dataDir))
            {
                await Eventually.HoldsAsync(() => RefusalCount(site), n => n == 15, TimeSpan.FromSeconds(30), "refusals older than 45 days removed");
                await Eventually.HoldsAsync(() => File.Exists(Path.Combine(reports, "incident-1.md")), gone => !gone, TimeSpan.FromSeconds(30), "the old report removed");
                await site.App.StopAsync();
            }

            using var reader = LedgerReader.Open(Path.Combine(dataDir, "ledger"));
            var entries = Enumerable.Range(0, (int)reader.CountEntries()).Select(i => reader.ReadEntry(i)).Where(e => e.Kind == LedgerEntryKind.Retention)
                .Select(e => JsonDocument.Parse(e.Payload).RootElement).ToList();
            Assert.Equal(["refusals", "reports"], entries.Select(e => e.GetProperty("kind").GetString()));
            Assert.Equal([15L, 1L], entries.Select(e => e.GetProperty("count").GetInt64()));
            Assert.True(LedgerVerifier.Verify(Path.Combine(dataDir, "ledger")).Ok);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static long RefusalCount(ServedSite site)
    {
        using var store = site.OpenStore();
        return store.RefusalCounts().Sum(r => r.Count);
    }
}
