using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Commands;

/// <summary>
/// Records the runs of one <c>twinguard simulate</c> as <c>self-test</c> entries in a site's ledger
/// (<c>simulate --data-dir DIR</c>): the evidence of IEC 62443-3-3 SR 3.3 (security functionality verification) that
/// <c>compliance report</c> cites, proven like every other entry.
/// </summary>
internal static class SelfTestRecorder
{
    /// <summary>Appends one entry per run, signs a checkpoint over them and returns their indices.</summary>
    /// <exception cref="IOException">The ledger is in use (a serve holds it) or cannot be written.</exception>
    public static async Task<IReadOnlyList<long>> RecordAsync(string dataDirectory, IReadOnlyList<SimulateScenarioResult> runs, TimeProvider time)
    {
        var directory = Path.Combine(dataDirectory, "ledger");
        var options = LedgerOptions.Default with { Key = LedgerKeyLocations.For(directory) };
        var invocation = Guid.NewGuid().ToString("N");
        var indices = new List<long>(runs.Count);
        await using (var ledger = LedgerWriter.Open(directory, options, time))
        {
            foreach (var run in runs)
            {
                indices.Add(ledger.Append(LedgerEntryKind.SelfTest, Payload(invocation, run)));
            }

            await ledger.FlushAsync();
        }

        return indices;
    }

    /// <summary>docs/ledger-entries.md, <c>self-test</c>.</summary>
    private static byte[] Payload(string invocation, SimulateScenarioResult run)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("invocation", invocation);
            json.WriteString("tool", "twinguard simulate");
            json.WriteString("scenario", run.Scenario);
            json.WriteString("kind", run.Kind);
            json.WriteNumber("intensity", run.Intensity);
            json.WriteNumber("seed", run.Seed);
            json.WriteBoolean("relations", run.Relations);
            json.WriteBoolean("normalOnly", run.NormalOnly);
            json.WriteBoolean("detected", run.Detected);
            json.WriteStartArray("expected");
            foreach (var reason in run.Expected)
            {
                json.WriteStringValue(reason);
            }

            json.WriteEndArray();
            json.WriteStartArray("detectedBy");
            foreach (var reason in run.DetectedBy)
            {
                json.WriteStringValue(reason);
            }

            json.WriteEndArray();
            if (run.TimeToDetectSeconds is { } detect)
            {
                json.WriteNumber("timeToDetectSeconds", Math.Round(detect, 3));
            }

            if (run.TimeToContainSeconds is { } contain)
            {
                json.WriteNumber("timeToContainSeconds", Math.Round(contain, 3));
            }

            json.WriteNumber("falseAlarms", run.FalseAlarms);
            json.WriteNumber("simulatedSeconds", Math.Round(run.SimulatedSeconds, 3));
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
