using System.Globalization;
using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Proofs;

namespace TwinGuard.Twins.Compliance;

/// <summary>
/// What the ledger holds for a period, from one read of the log up to a signed checkpoint: counts by kind and by
/// finding reason with the newest entries of each, the recorded configuration, incidents and their containment,
/// and the self-tests. Only signed entries count, so every entry a report cites can be proven.
/// </summary>
public sealed class LedgerEvidence
{
    /// <summary>Findings kept for the charts; beyond it they are counted only.</summary>
    public const int MaxFindings = 200_000;

    /// <summary>Incidents kept for the charts and time to contain.</summary>
    public const int MaxIncidents = 20_000;

    private static readonly string[] ContainmentActions = ["quarantine", "disconnect", "revoke_credentials", "read_only", "block_address"];

    private readonly Dictionary<LedgerEntryKind, EntryTally> _kinds = [];
    private readonly Dictionary<string, EntryTally> _reasons = new(StringComparer.Ordinal);
    private readonly Dictionary<long, IncidentNote> _openIncidents = [];

    private readonly InclusionProofCollector? _proofs;

    private LedgerEvidence(Checkpoint checkpoint, CompliancePeriod period, InclusionProofCollector? proofs)
    {
        Checkpoint = checkpoint;
        Period = period;
        _proofs = proofs;
    }

    /// <summary>The signed checkpoint every cited entry is proven against.</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>The period asked for.</summary>
    public CompliancePeriod Period { get; }

    /// <summary>Entries in the period.</summary>
    public long EntriesInPeriod { get; private set; }

    /// <summary>Timestamp of the first and last entry in the period, or null when it holds none.</summary>
    public (DateTimeOffset First, DateTimeOffset Last)? Span { get; private set; }

    /// <summary>Findings in the period (at most <see cref="MaxFindings"/>), in log order.</summary>
    public List<FindingNote> Findings { get; } = [];

    /// <summary>Incidents opened in the period (at most <see cref="MaxIncidents"/>), in log order.</summary>
    public List<IncidentNote> Incidents { get; } = [];

    /// <summary>The newest plant model recorded up to the period's end.</summary>
    public RecordedFile? PlantModel { get; private set; }

    /// <summary>The newest playbooks recorded up to the period's end.</summary>
    public RecordedFile? Playbooks { get; private set; }

    /// <summary>Every recorded file up to the period's end that was written before redaction (the file whole).</summary>
    public List<long> UnredactedFiles { get; } = [];

    /// <summary>Recorded files (plant model, playbooks) up to the period's end.</summary>
    public long RecordedFiles { get; private set; }

    /// <summary>Self-test runs recorded up to the period's end, in log order.</summary>
    public List<SelfTestRun> SelfTests { get; } = [];

    /// <summary>Entries of <paramref name="kind"/> in the period.</summary>
    public EntryTally Kind(LedgerEntryKind kind) => _kinds.GetValueOrDefault(kind) ?? new EntryTally();

    /// <summary>Findings with reason <paramref name="reason"/> in the period.</summary>
    public EntryTally Reason(string reason) => _reasons.GetValueOrDefault(reason) ?? new EntryTally();

    /// <summary>Entries read so far.</summary>
    public long Read { get; private set; }

    /// <summary>True when every entry up to the checkpoint's tree size was read.</summary>
    public bool IsComplete => Read == Checkpoint.TreeSize;

    /// <summary>Reads the ledger up to <paramref name="checkpoint"/>'s tree size.</summary>
    /// <exception cref="InvalidDataException">The log is damaged below the checkpoint.</exception>
    public static LedgerEvidence Collect(LedgerReader reader, Checkpoint checkpoint, CompliancePeriod period)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var evidence = new LedgerEvidence(checkpoint, period, null);
        if (checkpoint.TreeSize > 0)
        {
            reader.Scan(evidence.Visit);
        }

        return evidence;
    }

    /// <summary>
    /// Evidence to be filled by another reader's pass (<see cref="Visit"/>, in log order from entry 0), tracking in
    /// <paramref name="proofs"/> every entry a report may cite (the newest of each tally, the recorded files, the
    /// self-tests) and releasing the ones that can no longer be, so the same pass proves the citations.
    /// </summary>
    public static LedgerEvidence ForPass(Checkpoint checkpoint, CompliancePeriod period, InclusionProofCollector proofs)
    {
        ArgumentNullException.ThrowIfNull(proofs);
        return new LedgerEvidence(checkpoint, period, proofs);
    }

    /// <summary>Takes entry <paramref name="index"/>; returns false once the checkpoint's tree size is reached.</summary>
    public bool Visit(long index, LedgerEntryKind kind, DateTimeOffset timestamp, ReadOnlySpan<byte> payload)
    {
        if (index != Read || index >= Checkpoint.TreeSize)
        {
            return false;
        }

        Add(index, kind, timestamp, payload);
        Read++;
        return Read < Checkpoint.TreeSize;
    }

    private void Add(long index, LedgerEntryKind kind, DateTimeOffset timestamp, ReadOnlySpan<byte> payload)
    {
        var upToEnd = Period.To is not { } to || timestamp < to;
        if (!upToEnd)
        {
            return;
        }

        if (kind is LedgerEntryKind.ConfigChange or LedgerEntryKind.PlaybookChange or LedgerEntryKind.SelfTest)
        {
            Remember(index, kind, timestamp, payload);
        }

        if (!Period.Contains(timestamp))
        {
            return;
        }

        EntriesInPeriod++;
        Span = Span is { } s ? (s.First, timestamp) : (timestamp, timestamp);
        Tally(_kinds, kind, index, timestamp, payload);
        if (kind is LedgerEntryKind.Finding or LedgerEntryKind.Incident or LedgerEntryKind.Action)
        {
            Note(index, kind, timestamp, payload);
        }
    }

    private void Remember(long index, LedgerEntryKind kind, DateTimeOffset timestamp, ReadOnlySpan<byte> payload)
    {
        if (Parse(payload) is not { } json)
        {
            return;
        }

        using (json)
        {
            var o = json.RootElement;
            if (kind == LedgerEntryKind.SelfTest)
            {
                _proofs?.Track(index, kind, timestamp, payload);
                SelfTests.Add(new SelfTestRun(index, timestamp, Text(o, "invocation") ?? string.Empty, Text(o, "scenario") ?? "?",
                    o.TryGetProperty("normalOnly", out var n) && n.ValueKind == JsonValueKind.True,
                    o.TryGetProperty("detected", out var d) && d.ValueKind == JsonValueKind.True,
                    o.TryGetProperty("falseAlarms", out var f) && f.TryGetInt32(out var fa) ? fa : 0));
                return;
            }

            RecordedFiles++;
            int? redacted = o.TryGetProperty("redacted", out var r) && r.TryGetInt32(out var count) ? count : null;
            if (redacted is null)
            {
                if (UnredactedFiles.Count < EntryTally.Cited)
                {
                    _proofs?.Track(index, kind, timestamp, payload); // the first few are the ones cited
                }

                UnredactedFiles.Add(index);
            }

            var file = new RecordedFile(index, timestamp, Text(o, "source") ?? "?", Text(o, "sha256") ?? string.Empty, Text(o, "content") ?? string.Empty, redacted);
            _proofs?.Track(index, kind, timestamp, payload);
            var replaced = kind == LedgerEntryKind.ConfigChange ? PlantModel : Playbooks;
            if (kind == LedgerEntryKind.ConfigChange)
            {
                PlantModel = file;
            }
            else
            {
                Playbooks = file;
            }

            if (replaced is not null)
            {
                _proofs?.Release(replaced.Index);
            }
        }
    }

    private void Note(long index, LedgerEntryKind kind, DateTimeOffset timestamp, ReadOnlySpan<byte> payload)
    {
        if (Parse(payload) is not { } json)
        {
            return;
        }

        using (json)
        {
            var o = json.RootElement;
            switch (kind)
            {
                case LedgerEntryKind.Finding:
                    var reason = Text(o, "reason") ?? "?";
                    Tally(_reasons, reason, index, timestamp, payload, LedgerEntryKind.Finding);
                    if (Findings.Count < MaxFindings)
                    {
                        Findings.Add(new FindingNote(index, Time(o, "time") ?? timestamp, reason, Text(o, "severity") ?? "?", Text(o, "asset"), Text(o, "device")));
                    }

                    break;
                case LedgerEntryKind.Incident when Time(o, "opened") is { } opened && o.TryGetProperty("id", out var id) && id.TryGetInt64(out var incidentId):
                    if (Incidents.Count < MaxIncidents)
                    {
                        var incident = new IncidentNote(index, incidentId, opened, Text(o, "severity") ?? "?", Text(o, "scope") ?? "?");
                        Incidents.Add(incident);
                        _openIncidents[incidentId] = incident;
                    }

                    break;
                case LedgerEntryKind.Action when o.TryGetProperty("incident", out var i) && i.TryGetInt64(out var forIncident)
                                                 && _openIncidents.TryGetValue(forIncident, out var contained) && contained.TimeToContain is null
                                                 && Text(o, "outcome") is "done" or "alreadyinplace"
                                                 && Text(o, "action") is { } action && ContainmentActions.Any(a => action.StartsWith(a, StringComparison.Ordinal))
                                                 && Time(o, "time") is { } time:
                    contained.TimeToContain = time >= contained.Opened ? time - contained.Opened : TimeSpan.Zero;
                    contained.ContainedBy = index;
                    break;
            }
        }
    }

    private void Tally(Dictionary<LedgerEntryKind, EntryTally> tallies, LedgerEntryKind kind, long index, DateTimeOffset timestamp, ReadOnlySpan<byte> payload) =>
        Tally(tallies, kind, index, timestamp, payload, kind);

    private void Tally<TKey>(Dictionary<TKey, EntryTally> tallies, TKey key, long index, DateTimeOffset timestamp, ReadOnlySpan<byte> payload, LedgerEntryKind kind)
        where TKey : notnull
    {
        if (!tallies.TryGetValue(key, out var tally))
        {
            tallies[key] = tally = new EntryTally();
        }

        _proofs?.Track(index, kind, timestamp, payload);
        if (tally.Add(index) is { } left)
        {
            _proofs?.Release(left);
        }
    }

    private static JsonDocument? Parse(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            var json = JsonDocument.ParseValue(ref reader);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                return json;
            }

            json.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null; // an entry the pipeline did not write: counted by kind, read no further
        }
    }

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTimeOffset? Time(JsonElement o, string name) =>
        Text(o, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
