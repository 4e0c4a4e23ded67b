using System.Globalization;
using System.Text.Json;
using TwinGuard.Ledger;

namespace TwinGuard.Twins.Compliance;

/// <summary>
/// One line saying what a ledger entry records, derived from its payload alone (docs/ledger-entries.md), so that
/// <c>compliance verify</c> can recompute the line a report shows for each cited entry and catch a report that
/// describes an entry as something it is not.
/// </summary>
public static class EntrySummary
{
    /// <summary>The line for an entry of <paramref name="kind"/> with <paramref name="payload"/>.</summary>
    public static string Describe(LedgerEntryKind kind, ReadOnlySpan<byte> payload)
    {
        var name = LedgerJson.KindName(kind);
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var json = JsonDocument.ParseValue(ref reader);
            var o = json.RootElement;
            if (o.ValueKind != JsonValueKind.Object)
            {
                return name;
            }

            return kind switch
            {
                LedgerEntryKind.Finding => $"finding {Text(o, "id")}: {Text(o, "reason")} ({Text(o, "severity")})" + On(o, "asset") + On(o, "device"),
                LedgerEntryKind.Incident when o.TryGetProperty("opened", out _) => $"incident {Text(o, "id")} opened ({Text(o, "severity")}, {Text(o, "scope")}): {Text(o, "title")}",
                LedgerEntryKind.Incident => $"incident {Text(o, "id")} escalated to {Text(o, "severity")} ({Text(o, "scope")})",
                LedgerEntryKind.Action or LedgerEntryKind.Approval or LedgerEntryKind.Release =>
                    $"{name} {Text(o, "id")}: {Text(o, "action")} {Text(o, "target")}: {Text(o, "outcome")} by {Text(o, "by")}",
                LedgerEntryKind.ConfigChange or LedgerEntryKind.PlaybookChange =>
                    $"{name}: {Text(o, "kind")} sha256 {Text(o, "sha256")}" + (o.TryGetProperty("redacted", out var r) ? $", {r.GetRawText()} secret(s) redacted" : ", secrets not redacted"),
                LedgerEntryKind.ModelVersion => $"model-version: {Text(o, "asset")} {Text(o, "detector")} v{Text(o, "version")}",
                LedgerEntryKind.ReadingBatch => $"reading-batch: {Text(o, "asset")}, {(o.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Array ? m.GetArrayLength() : 0)} message(s)",
                LedgerEntryKind.SelfTest => $"self-test: {Text(o, "scenario")} seed {Text(o, "seed")}: "
                                            + (o.TryGetProperty("detected", out var d) && d.ValueKind == JsonValueKind.True ? "detected" : "NOT detected")
                                            + $", {Text(o, "falseAlarms")} false alarm(s)",
                _ => name,
            };
        }
        catch (JsonException)
        {
            return name + " (payload is not JSON)";
        }
    }

    private static string On(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? $" {name} {v.GetString()}" : string.Empty;

    private static string Text(JsonElement o, string name) => !o.TryGetProperty(name, out var v) ? "?" : v.ValueKind switch
    {
        JsonValueKind.String => Clip(v.GetString()!),
        JsonValueKind.Number => v.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : v.GetDouble().ToString("0.###", CultureInfo.InvariantCulture),
        _ => v.GetRawText(),
    };

    private static string Clip(string text) => text.Length <= 120 ? text : text[..117] + "...";
}
