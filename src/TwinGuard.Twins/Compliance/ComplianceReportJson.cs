using System.Globalization;
using System.Text.Json;
using TwinGuard.Ledger;

namespace TwinGuard.Twins.Compliance;

/// <summary>
/// A report as JSON (<c>--format json</c>, the API): controls cite ledger entries by index, and <c>citations</c>
/// holds each cited entry whole with its inclusion proof against <c>checkpoint</c>: everything
/// <c>compliance verify</c> (or docs/compliance.md's Python check) needs besides the log's public key.
/// </summary>
public static class ComplianceReportJson
{
    /// <summary>The value of the report's <c>format</c> field.</summary>
    public const string Format = "twinguard-compliance-report/1";

    /// <summary>The report as indented JSON.</summary>
    public static string Write(ComplianceReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return LedgerJson.Write(w => Write(w, report));
    }

    private static void Write(Utf8JsonWriter w, ComplianceReport r)
    {
        w.WriteStartObject();
        w.WriteString("format", Format);
        w.WriteStartObject("standard");
        w.WriteString("id", r.Catalogue.Standard);
        w.WriteString("title", r.Catalogue.Title);
        w.WriteString("catalogueSha256", r.Catalogue.Sha256);
        w.WriteEndObject();
        if (r.TargetLevel is { } sl)
        {
            w.WriteNumber("targetSecurityLevel", sl);
        }

        w.WriteString("generated", Time(r.Generated));
        w.WriteStartObject("period");
        WriteTime(w, "from", r.Ledger.Period.From);
        WriteTime(w, "to", r.Ledger.Period.To);
        w.WriteNumber("entries", r.Ledger.EntriesInPeriod);
        WriteTime(w, "firstEntry", r.Ledger.Span?.First);
        WriteTime(w, "lastEntry", r.Ledger.Span?.Last);
        w.WriteEndObject();

        w.WriteStartObject("plantModel");
        if (r.Plant.Recorded is { } recorded)
        {
            w.WriteString("source", recorded.Source);
            w.WriteString("sha256", recorded.Sha256);
            w.WriteNumber("entry", recorded.Index);
        }

        w.WriteBoolean("matched", r.Plant.Model is not null);
        if (r.Plant.Problem is { } problem)
        {
            w.WriteString("problem", problem);
        }

        w.WriteEndObject();

        w.WriteStartObject("ledger");
        w.WriteString("origin", r.Origin);
        w.WriteBoolean("verified", r.Verification.Ok);
        w.WriteNumber("treeSize", r.Verification.TreeSize);
        w.WriteString("keyId", r.Verification.KeyId);
        w.WriteString("trust", r.Verification.Trust.ToString());
        w.WriteString("scope", r.Verification.Scope);
        if (r.Verification.Problem is { } ledgerProblem)
        {
            w.WriteString("problem", ledgerProblem.ToString());
        }

        w.WriteEndObject();
        LedgerJson.Checkpoint(w, "checkpoint", r.Checkpoint, r.CheckpointNote);

        w.WriteStartObject("summary");
        foreach (var status in Enum.GetValues<ControlStatus>())
        {
            w.WriteNumber(status.Name(), r.Count(status));
        }

        w.WriteEndObject();

        w.WriteStartArray("controls");
        foreach (var c in r.Controls)
        {
            Control(w, c);
        }

        w.WriteEndArray();
        Charts(w, ReportCharts.From(r.Ledger));

        w.WriteStartArray("citations");
        foreach (var c in r.Citations)
        {
            w.WriteStartObject();
            w.WriteNumber("index", c.Entry.Index);
            w.WriteString("kind", LedgerJson.KindName(c.Entry.Kind));
            w.WriteNumber("kindCode", (ushort)c.Entry.Kind);
            w.WriteString("timestamp", Time(c.Entry.Timestamp));
            w.WriteNumber("timestampMicros", (c.Entry.Timestamp - DateTimeOffset.UnixEpoch).Ticks / 10);
            if (c.Withheld)
            {
                w.WriteBoolean("payloadWithheld", true);
            }
            else
            {
                w.WriteString("payloadBase64", Convert.ToBase64String(c.Entry.Payload.Span));
            }

            w.WriteString("leafHash", Convert.ToHexStringLower(c.Entry.ComputeLeafHash()));
            w.WriteString("summary", c.Summary);
            LedgerJson.Proof(w, "rfc6962-inclusion", ("leafIndex", c.Proof.LeafIndex), ("treeSize", c.Proof.TreeSize), c.Proof.Path);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Control(Utf8JsonWriter w, ControlResult c)
    {
        w.WriteStartObject();
        w.WriteString("id", c.Control.Id);
        w.WriteString("title", c.Control.Title);
        if (c.Control.Level is { } level)
        {
            w.WriteNumber("sl", level);
        }

        w.WriteString("status", c.Status.Name());
        w.WriteString("reason", c.Reason);
        if (c.Control.Gap is { } gap)
        {
            w.WriteString("gap", gap);
        }

        w.WriteStartArray("evidence");
        foreach (var e in c.Evidence)
        {
            w.WriteStartObject();
            w.WriteString("type", e.Rule.Kind switch { EvidenceKind.Fact => "fact", EvidenceKind.SelfTest => "self-test", _ => "ledger" });
            w.WriteString("rule", e.Rule.Describe());
            w.WriteString("status", e.Result.Status.Name());
            w.WriteString("summary", e.Result.Summary);
            w.WriteStartObject("values");
            foreach (var (name, value) in e.Result.Values)
            {
                w.WriteString(name, value);
            }

            w.WriteEndObject();
            w.WriteStartArray("entries");
            foreach (var index in e.Result.Entries)
            {
                w.WriteNumberValue(index);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Charts(Utf8JsonWriter w, ReportCharts charts)
    {
        w.WriteStartObject("charts");
        w.WriteNumber("bucketSeconds", charts.Bucket.TotalSeconds);
        w.WriteStartArray("times");
        foreach (var t in charts.Times)
        {
            w.WriteStringValue(Time(t));
        }

        w.WriteEndArray();
        w.WriteStartObject("findingsBySeverity");
        foreach (var (severity, series) in charts.FindingsBySeverity)
        {
            Numbers(w, severity, series);
        }

        w.WriteEndObject();
        Numbers(w, "incidents", charts.Incidents);
        w.WriteStartArray("timeToContain");
        foreach (var (incident, seconds) in charts.TimeToContain)
        {
            w.WriteStartObject();
            w.WriteNumber("incident", incident);
            w.WriteNumber("seconds", Math.Round(seconds, 3));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        Pairs(w, "refusals", "reason", charts.Refusals);
        Pairs(w, "perAsset", "asset", charts.PerAsset);
        w.WriteEndObject();
    }

    private static void Numbers(Utf8JsonWriter w, string name, int[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void Pairs(Utf8JsonWriter w, string name, string key, IReadOnlyList<(string Name, int Count)> pairs)
    {
        w.WriteStartArray(name);
        foreach (var (n, count) in pairs)
        {
            w.WriteStartObject();
            w.WriteString(key, n);
            w.WriteNumber("count", count);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            w.WriteString(name, Time(t));
        }
    }

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
