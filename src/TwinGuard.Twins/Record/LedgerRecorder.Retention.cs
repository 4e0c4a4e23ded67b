using TwinGuard.Ledger;

namespace TwinGuard.Twins.Record;

/// <summary>The <c>retention</c> entry: what a pruning removed from the data directory.</summary>
public sealed partial class LedgerRecorder
{
    /// <summary>Records a pruning before it happens; returns the entry index (wait for it to be durable before removing).</summary>
    public long RecordRetention(PrunedRange range, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(range);
        var (buffer, json) = Start();
        json.WriteStartObject();
        json.WriteString("time", time);
        json.WriteString("kind", range.Kind);
        json.WriteStartArray("bounds");
        foreach (var bound in range.Bounds)
        {
            json.WriteStringValue(bound);
        }

        json.WriteEndArray();
        json.WriteNumber("count", range.Count);
        json.WriteNumber("bytes", range.Bytes);
        json.WriteNumber("first", range.First);
        json.WriteNumber("last", range.Last);
        json.WriteString("from", range.From);
        json.WriteString("to", range.To);
        if (range.LedgerEntries is { } entries)
        {
            json.WriteNumber("first_entry", entries.First);
            json.WriteNumber("last_entry", entries.Last);
        }

        json.WriteString("sha256", range.Sha256);
        json.WriteEndObject();
        return Finish(buffer, json, LedgerEntryKind.Retention);
    }
}
