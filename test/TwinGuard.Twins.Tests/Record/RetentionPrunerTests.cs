using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Verification;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Record;

/// <summary>Retention over a real site database, ledger and reports directory: oldest first, recorded before removed.</summary>
public sealed class RetentionPrunerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-retention-").FullName;
    private readonly FakeTimeProvider _time = new(Start);
    private LedgerWriter _ledger = null!;
    private PlantStore _store = null!;

    public Task InitializeAsync()
    {
        _ledger = LedgerWriter.Open(Path.Combine(_dir, "ledger"), LedgerOptions.Default, _time);
        _store = PlantStore.Open(_dir);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await _ledger.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PruneAsync_RefusalsOlderThanMaxAge_RemovedAndRecordedWithCountRangeAndDigest()
    {
        for (var day = 0; day < 10; day++)
        {
            _store.Insert(Refusal(Start.AddDays(day), $"payload {day}"));
        }

        _time.SetUtcNow(Start.AddDays(10));
        var removed = await Pruner(Rules(refusals: new RetentionRule(TimeSpan.FromDays(3.5), null, null))).PruneAsync();

        var range = Assert.Single(removed);
        Assert.Equal(("refusals", 7L, 1L, 7L), (range.Kind, range.Count, range.First, range.Last));
        Assert.Equal(["max_age 3.5d"], range.Bounds);
        Assert.Equal([8L, 9L, 10L], Ids("refusals"));
        var entry = RetentionEntries().Single();
        Assert.Equal("refusals", entry.GetProperty("kind").GetString());
        Assert.Equal(7, entry.GetProperty("count").GetInt64());
        Assert.Equal((1, 7), (entry.GetProperty("first").GetInt64(), entry.GetProperty("last").GetInt64()));
        Assert.Equal(ExpectedRefusalDigest(Enumerable.Range(0, 7)), entry.GetProperty("sha256").GetString());
        Assert.Equal(Start, entry.GetProperty("from").GetDateTimeOffset());
    }

    [Fact]
    public async Task PruneAsync_RefusalsOverMaxBytesOrMaxRows_KeepsTheNewestWithinBoth()
    {
        for (var i = 0; i < 20; i++)
        {
            _store.Insert(Refusal(Start.AddSeconds(i), new string('x', 1000)));
        }

        var bySize = await Pruner(Rules(refusals: new RetentionRule(null, 5 * 1200, null))).PruneAsync();
        Assert.Equal(["max_bytes 6000"], Assert.Single(bySize).Bounds);
        var kept = Ids("refusals");
        Assert.True(kept.Count is > 0 and <= 5, $"{kept.Count} kept");
        Assert.Equal(20L, kept[^1]);

        var byRows = await Pruner(Rules(refusals: new RetentionRule(null, null, 2))).PruneAsync();
        Assert.Equal(["max_rows 2"], Assert.Single(byRows).Bounds);
        Assert.Equal([19L, 20L], Ids("refusals"));
        Assert.Equal(2, RetentionEntries().Count);
    }

    [Fact]
    public async Task PruneAsync_FindingsOfAnOpenIncident_KeptWhateverTheirAge_OthersRemovedWithTheirLedgerEntries()
    {
        var entries = new List<long>();
        for (var i = 1; i <= 6; i++)
        {
            var finding = new Finding(Start.AddDays(i), ReasonCode.OutOfRange, Severity.Medium, "tank1", "level", "tank-gateway", 9, 0, $"finding {i}");
            entries.Add(new LedgerRecorder(_ledger).RecordFinding(i, finding));
            _store.Insert(finding, i, entries[^1]);
        }

        _store.OpenIncident(new Incident(1, Start.AddDays(2), "asset:tank1", "tank1", null, Severity.High, "t", "r", [ReasonCode.OutOfRange]), [2, 3], 99);
        _time.SetUtcNow(Start.AddDays(100));

        var range = Assert.Single(await Pruner(Rules(findings: new RetentionRule(TimeSpan.FromDays(30), null, null))).PruneAsync());

        // 1, 4 and 5 go; 2 and 3 belong to the open incident; 6, the newest, always stays (ids must never be reused).
        Assert.Equal([2L, 3L, 6L], Ids("findings"));
        Assert.Equal((3L, 1L, 5L), (range.Count, range.First, range.Last));
        Assert.Equal((entries[0], entries[4]), range.LedgerEntries);
        var entry = RetentionEntries().Single();
        Assert.Equal(entries[0], entry.GetProperty("first_entry").GetInt64());

        // Closed, the incident's findings go too.
        _store.CloseIncident(1, Start.AddDays(100), "closed");
        Assert.Equal(2, Assert.Single(await Pruner(Rules(findings: new RetentionRule(TimeSpan.FromDays(30), null, null))).PruneAsync()).Count);
        Assert.Equal([6L], Ids("findings"));
        Assert.True(_store.ReserveIds("findings", 1)[0] > 6, "ids are never reused");
    }

    [Fact]
    public async Task PruneAsync_Reports_OldestIncidentsGoFirstBothFilesTogether_OpenIncidentKept()
    {
        var reports = Path.Combine(_dir, "reports");
        Directory.CreateDirectory(reports);
        for (var id = 1; id <= 4; id++)
        {
            foreach (var ext in new[] { "md", "json" })
            {
                var path = Path.Combine(reports, string.Create(CultureInfo.InvariantCulture, $"incident-{id}.{ext}"));
                await File.WriteAllTextAsync(path, new string('r', 100));
                File.SetLastWriteTimeUtc(path, Start.AddDays(id).UtcDateTime);
            }
        }

        await File.WriteAllTextAsync(Path.Combine(reports, "notes.txt"), "not a report");
        _store.OpenIncident(new Incident(1, Start, "asset:tank1", "tank1", null, Severity.High, "t", "r", [ReasonCode.OutOfRange]), [], 1);
        _time.SetUtcNow(Start.AddDays(10));

        var range = Assert.Single(await Pruner(Rules(reports: new RetentionRule(null, null, 1))).PruneAsync());

        Assert.Equal(("reports", 2L, 2L, 3L, 400L), (range.Kind, range.Count, range.First, range.Last, range.Bytes));
        Assert.Equal(["incident-1.json", "incident-1.md", "incident-4.json", "incident-4.md", "notes.txt"],
            Directory.EnumerateFiles(reports).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var fileDigest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(new string('r', 100))));
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Concat(new[] { "incident-2.json", "incident-2.md", "incident-3.json", "incident-3.md" }.Select(n => $"{n}\t{fileDigest}\n")))));
        Assert.Equal(expected, range.Sha256);
    }

    [Fact]
    public async Task PruneAsync_AfterPruning_TheLedgerStillVerifies_AndNothingOfItWasRemoved()
    {
        for (var i = 0; i < 120; i++)
        {
            _store.Insert(Refusal(Start.AddMinutes(i), "p"));
        }

        var before = _ledger.Count;
        await Pruner(Rules(refusals: new RetentionRule(null, null, 10))).PruneAsync();
        await _ledger.CheckpointAsync();

        Assert.Equal(before + 1, _ledger.Count);
        Assert.True(LedgerVerifier.Verify(Path.Combine(_dir, "ledger")).Ok);
    }

    private RetentionPruner Pruner(RetentionSettings settings) => new(_store, new LedgerRecorder(_ledger), settings, _dir, _time);

    private static RetentionSettings Rules(RetentionRule? refusals = null, RetentionRule? findings = null, RetentionRule? reports = null) =>
        new(TimeSpan.FromHours(1), refusals ?? RetentionRule.KeepAll, findings ?? RetentionRule.KeepAll, reports ?? RetentionRule.KeepAll);

    private static Refusal Refusal(DateTimeOffset time, string payload) =>
        new(time, ReasonCode.UnauthorisedTopic, "tank-gateway", "c1", "127.0.0.1:5000", "plant/x", null, null, "may not publish", Encoding.UTF8.GetBytes(payload));

    /// <summary>The digest as docs/ledger-entries.md defines it, computed here independently of the store.</summary>
    private static string ExpectedRefusalDigest(IEnumerable<int> days) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(days.Select(day =>
        {
            var time = Start.AddDays(day).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            var payload = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"payload {day}")));
            return $"{day + 1}\t{time}\tunauthorised_topic\ttank-gateway\tc1\t127.0.0.1:5000\tplant/x\t\\N\t\\N\tmay not publish\t{payload}\n";
        })))));

    private List<long> Ids(string table)
    {
        using var connection = SqliteCommands.Open(Path.Combine(_dir, PlantStore.FileName), Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly);
        return connection.Query($"SELECT id FROM {table} ORDER BY id", r => r.GetInt64(0));
    }

    private List<JsonElement> RetentionEntries()
    {
        _ledger.FlushAsync().GetAwaiter().GetResult();
        using var reader = LedgerReader.Open(Path.Combine(_dir, "ledger"));
        return Enumerable.Range(0, (int)_ledger.Count).Select(i => reader.ReadEntry(i))
            .Where(e => e.Kind == LedgerEntryKind.Retention)
            .Select(e => JsonDocument.Parse(e.Payload).RootElement.Clone())
            .ToList();
    }
}
