using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Verification;
using TwinGuard.Twins.Compliance;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Compliance;

/// <summary>A report is of its signed checkpoint: what the log appends after it, unsigned, changes nothing in it.</summary>
public sealed class ComplianceReproducibilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-compliance-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Evaluate_TwoReportsAtOneCheckpointWithDifferentUnsignedTails_AreIdentical()
    {
        var ledgerDirectory = Path.Combine(_dir, "ledger");
        var options = LedgerOptions.Default with { CheckpointInterval = TimeSpan.FromDays(1), CheckpointEveryEntries = long.MaxValue };
        await using var ledger = LedgerWriter.Open(ledgerDirectory, options, _time);
        var recorder = new LedgerRecorder(ledger);
        Record(recorder, 20);
        await ledger.FlushAsync();
        var checkpoint = await ledger.CheckpointAsync();
        var asked = _time.GetUtcNow(); // both reports say they were made then: only the log differs

        Record(recorder, 5);
        await ledger.FlushAsync();
        var first = Report(asked);
        Record(recorder, 7);
        await ledger.FlushAsync();
        var second = Report(asked);

        // Not vacuous: the log has an unsigned tail beyond the checkpoint, and it grew between the two reports.
        Assert.Equal(checkpoint.TreeSize + 12, LedgerVerifier.Verify(ledgerDirectory).TreeSize);
        var facts = JsonNode.Parse(first)!["controls"]!.AsArray().SelectMany(c => c!["evidence"]!.AsArray()).Where(e => e!["values"]?["checkpoints"] is not null).ToList();
        Assert.NotEmpty(facts);
        Assert.All(facts, f => Assert.Contains((string?)f!["values"]!["entries"] ?? (string?)f["values"]!["signedSize"], new[] { checkpoint.TreeSize.ToString(CultureInfo.InvariantCulture) }));
        Assert.Equal(first, second);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Record(LedgerRecorder recorder, int findings)
    {
        for (var i = 0; i < findings; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            recorder.RecordFinding(i + 1, new Finding(_time.GetUtcNow(), ReasonCode.OutOfRange, Severity.High, "pump1", "flow", "loop-plc", 99, 1, "flow out of range"));
        }
    }

    private string Report(DateTimeOffset asked) => ComplianceReportJson.Write(ComplianceEvaluator.Evaluate(
        ComplianceCatalogueLoader.Embedded("iec62443-3-3"), 2, _dir, CompliancePeriod.All,
        recorded => PlantEvidence.InMemory(SamplePlant.Load(), null, recorded), new LedgerVerificationOptions(), asked));
}
