using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using TwinGuard.Detection.Profiling;
using TwinGuard.Ledger;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Record;

/// <summary>
/// Writes what the pipeline saw and decided into the tamper-evident ledger: every batch of readings that reaches a
/// twin, every stored finding and incident, and the configuration the site runs on. Payloads are UTF-8 JSON as
/// docs/ledger-entries.md describes, so that any reading, finding or incident can later be proven.
/// </summary>
/// <remarks>
/// <see cref="LedgerWriter.Append"/> only copies into the current batch; hashing and disk writes happen on the ledger's
/// own threads, so recording does not slow ingestion. One buffer and one JSON writer per thread, reused, keep an entry
/// free of allocations of its own.
/// </remarks>
public sealed partial class LedgerRecorder(LedgerWriter ledger, ILedgerAppender appender)
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>Each asset's signal ids as JSON property names, escaped once per plant model's asset rather than per value.</summary>
    private static readonly ConditionalWeakTable<AssetModel, JsonEncodedText[]> SignalNames = new();

    /// <summary>Records into <paramref name="ledger"/> itself (a single node).</summary>
    public LedgerRecorder(LedgerWriter ledger)
        : this(ledger, ledger)
    {
    }

    /// <summary>This process's own ledger (in a cluster whose ledger is sequenced, the entries go to <see cref="Appender"/> instead).</summary>
    public LedgerWriter Ledger => ledger;

    /// <summary>Where the entries go: <see cref="Ledger"/>, or the cluster's sequencer.</summary>
    public ILedgerAppender Appender => appender;

    /// <summary>Completes when the entry <paramref name="index"/> returned by a Record method is durable.</summary>
    public Task WhenDurableAsync(long index) => appender.WhenDurableAsync(index);

    /// <summary>Records a batch of messages as it reaches an asset's twin; returns the entry index.</summary>
    public long RecordBatch(AssetModel asset, ReadOnlySpan<ReadingMessage> batch)
    {
        var (buffer, json) = WriteBatch(asset, batch);
        return Finish(buffer, json, LedgerEntryKind.ReadingBatch);
    }

    /// <summary>
    /// As <see cref="RecordBatch"/>, for senders waiting to be acknowledged: completes when the entry is durable. On a
    /// single node it is committed at once (<see cref="LedgerWriter.AppendAndCommitAsync"/>): on this thread when
    /// <paramref name="alone"/> and no commit runs, else by the ledger's writing thread, which runs the continuations on
    /// its own thread, so they must be short.
    /// </summary>
    /// <param name="asset">The batch's asset.</param>
    /// <param name="batch">The messages.</param>
    /// <param name="alone">No sender of the batch has anything else waiting for an acknowledgement (a lone publish).</param>
    public Task RecordBatchAndCommitAsync(AssetModel asset, ReadOnlySpan<ReadingMessage> batch, bool alone = false)
    {
        var (buffer, json) = WriteBatch(asset, batch);
        json.Flush();
        return ReferenceEquals(appender, ledger)
            ? ledger.AppendAndCommitAsync(LedgerEntryKind.ReadingBatch, buffer.WrittenSpan, alone)
            : appender.WhenDurableAsync(appender.Append(LedgerEntryKind.ReadingBatch, buffer.WrittenSpan));
    }

    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Json) WriteBatch(AssetModel asset, ReadOnlySpan<ReadingMessage> batch)
    {
        var (buffer, json) = Start();
        var names = SignalNames.GetValue(asset, static a => [.. a.Signals.Select(s => JsonEncodedText.Encode(s.Id))]);
        json.WriteStartObject();
        json.WriteString(BatchNames.Asset, asset.Id);
        json.WriteStartArray(BatchNames.Messages);
        Span<byte> number = stackalloc byte[ShortestDecimal.MaxLength];
        foreach (var message in batch)
        {
            json.WriteStartObject();
            json.WriteString(BatchNames.Device, message.DeviceId);
            json.WriteNumber(BatchNames.Seq, message.Sequence);
            json.WriteNumber(BatchNames.Ts, message.TimestampMs);
            json.WriteStartObject(BatchNames.Values);
            foreach (var value in message.Values)
            {
                if (ShortestDecimal.TryFormat(value.Value, number, out var length))
                {
                    // The bytes WriteNumber would write (ShortestDecimal), without the runtime's general formatting.
                    json.WritePropertyName(names[value.SignalIndex]);
                    json.WriteRawValue(number[..length], skipInputValidation: true);
                }
                else
                {
                    json.WriteNumber(names[value.SignalIndex], value.Value);
                }
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        return (buffer, json);
    }

    /// <summary>Records a stored finding; returns the entry index.</summary>
    public long RecordFinding(long findingId, Finding finding)
    {
        var (buffer, json) = Start();
        json.WriteStartObject();
        json.WriteNumber("id", findingId);
        json.WriteString("time", finding.Time);
        json.WriteString("reason", finding.Reason.Name());
        json.WriteString("severity", finding.Severity.ToString().ToLowerInvariant());
        WriteOptional(json, "asset", finding.AssetId);
        WriteOptional(json, "signal", finding.SignalId);
        WriteOptional(json, "device", finding.DeviceId);
        if (finding.Value is { } value)
        {
            json.WriteNumber("value", value);
        }

        json.WriteNumber("score", finding.Score);
        json.WriteString("message", finding.Message);
        WriteOptional(json, "explanation", finding.Explanation);
        json.WriteEndObject();
        return Finish(buffer, json, LedgerEntryKind.Finding);
    }

    /// <summary>Records an opened incident with the findings it groups; returns the entry index.</summary>
    public long RecordIncident(Incident incident, IReadOnlyList<long> findingIds)
    {
        var (buffer, json) = Start();
        json.WriteStartObject();
        json.WriteNumber("id", incident.Id);
        json.WriteString("opened", incident.Opened);
        json.WriteString("scope", incident.Scope);
        json.WriteString("severity", incident.Severity.ToString().ToLowerInvariant());
        json.WriteString("rule", incident.Rule);
        json.WriteString("title", incident.Title);
        if (incident.CampaignId is { } campaign)
        {
            json.WriteNumber("campaign", campaign);
        }

        WriteIds(json, "findings", findingIds);
        json.WriteEndObject();
        return Finish(buffer, json, LedgerEntryKind.Incident);
    }

    /// <summary>
    /// Records a later stage of a multi-stage intrusion attached to an open incident (an <c>incident</c> entry with
    /// <c>stage</c>), with the findings it opened over and what links it to the incident; returns the entry index.
    /// </summary>
    public long RecordStage(long incidentId, IncidentStage stage, IReadOnlyList<long> findingIds)
    {
        var (buffer, json) = Start();
        json.WriteStartObject();
        json.WriteNumber("id", incidentId);
        json.WriteNumber("stage", stage.Number);
        json.WriteString("time", stage.Time);
        json.WriteString("scope", stage.Scope);
        json.WriteString("severity", stage.Severity.ToString().ToLowerInvariant());
        json.WriteString("rule", stage.Rule);
        json.WriteString("title", stage.Title);
        WriteOptional(json, "link", stage.Link);
        if (stage.Occurrences > 1)
        {
            // A recurrence folded into the stage (StageLinker.FoldsInto): how often it has been seen, and when last.
            json.WriteNumber("occurrences", stage.Occurrences);
            json.WriteString("last_seen", stage.LastSeen);
        }

        WriteIds(json, "findings", findingIds);
        json.WriteEndObject();
        return Finish(buffer, json, LedgerEntryKind.Incident);
    }

    /// <summary>
    /// Records that a finding joining an open incident raised its severity or added a reason (an <c>incident</c> entry
    /// with <c>escalated</c> instead of <c>opened</c>), so the ledger proves why playbooks ran on it later; returns the entry index.
    /// </summary>
    public long RecordEscalation(Incident incident, long findingId, DateTimeOffset time)
    {
        var (buffer, json) = Start();
        json.WriteStartObject();
        json.WriteNumber("id", incident.Id);
        json.WriteString("escalated", time);
        json.WriteString("scope", incident.Scope);
        json.WriteString("severity", incident.Severity.ToString().ToLowerInvariant());
        json.WriteStartArray("reasons");
        foreach (var reason in incident.Reasons)
        {
            json.WriteStringValue(reason.Name());
        }

        json.WriteEndArray();
        json.WriteNumber("finding", findingId);
        json.WriteEndObject();
        return Finish(buffer, json, LedgerEntryKind.Incident);
    }

    private static void WriteIds(Utf8JsonWriter json, string name, IReadOnlyList<long> ids)
    {
        json.WriteStartArray(name);
        foreach (var id in ids)
        {
            json.WriteNumberValue(id);
        }

        json.WriteEndArray();
    }

    /// <summary>Records that an asset's multivariate model was (re)trained; returns the entry index.</summary>
    /// <param name="assetId">The asset.</param>
    /// <param name="detector">The detector preset.</param>
    /// <param name="version">The model version (1 for the commissioning fit).</param>
    /// <param name="warmUp">States in the commissioning window.</param>
    /// <param name="columns">
    /// How each signal behaved in the commissioning window (<c>ColumnProfiler</c>, as <c>detect --json</c> reports it):
    /// written as <c>columns</c> when given.
    /// </param>
    public long RecordModelVersion(string assetId, string detector, int version, int warmUp,
        IReadOnlyList<(string Signal, ColumnProfile Profile)>? columns = null)
    {
        var (buffer, json) = StartModelEntry(assetId, detector, version);
        json.WriteNumber("window", warmUp);
        if (columns is { Count: > 0 })
        {
            json.WriteStartArray("columns");
            foreach (var (signal, profile) in columns)
            {
                json.WriteStartObject();
                json.WriteString("signal", signal);
                json.WriteString("kind", profile.Kind.ToString().ToLowerInvariant());
                json.WriteBoolean("level_free", profile.LevelFree);
                json.WriteNumber("period", profile.Period);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        return Finish(buffer, json, LedgerEntryKind.ModelVersion);
    }

    /// <summary>
    /// Records a decision on a lasting new operating point of an asset (<c>new_operating_point_accepted</c> or
    /// <c>new_operating_point_refused</c>) and why, under the model-version kind: the decision is about the model's
    /// normal. Returns the entry index.
    /// </summary>
    public long RecordOperatingPoint(string assetId, string detector, int version, string decision, string detail)
    {
        var (buffer, json) = StartModelEntry(assetId, detector, version);
        json.WriteString("decision", decision);
        json.WriteString("detail", detail);
        json.WriteEndObject();
        return Finish(buffer, json, LedgerEntryKind.ModelVersion);
    }

    /// <summary>Starts a model-version entry's object with what every one names: the asset, its detector and the model version.</summary>
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Json) StartModelEntry(string assetId, string detector, int version)
    {
        var (buffer, json) = Start();
        json.WriteStartObject();
        json.WriteString("asset", assetId);
        json.WriteString("detector", detector);
        json.WriteNumber("version", version);
        return (buffer, json);
    }

    /// <summary>Records an action of the respond stage (a release or an approval decision under its own kind).</summary>
    public long RecordAction(ActionRecord action)
    {
        var (buffer, json) = Start();
        json.WriteStartObject();
        json.WriteNumber("id", action.Id);
        json.WriteString("time", action.Time);
        if (action.IncidentId is { } incident)
        {
            json.WriteNumber("incident", incident);
        }

        WriteOptional(json, "playbook", action.Playbook);
        json.WriteString("action", action.Action);
        json.WriteString("target", action.Target);
        json.WriteString("outcome", action.Outcome.ToString().ToLowerInvariant());
        json.WriteString("by", action.By);
        json.WriteString("detail", action.Detail);
        json.WriteNumber("elapsed_ms", action.Elapsed.TotalMilliseconds);
        json.WriteEndObject();
        var kind = action.Action.StartsWith("release", StringComparison.OrdinalIgnoreCase) ? LedgerEntryKind.Release
            : action.Action.StartsWith("approv", StringComparison.OrdinalIgnoreCase) || action.Action.StartsWith("deny", StringComparison.OrdinalIgnoreCase) ? LedgerEntryKind.Approval
            : LedgerEntryKind.Action;
        return Finish(buffer, json, kind);
    }

    /// <summary>Records the playbooks a site starts with: the file with its secrets redacted, and the SHA-256 of the whole file.</summary>
    public long RecordPlaybooks(string source, byte[] content) => RecordFile(LedgerEntryKind.PlaybookChange, "playbooks", source, content);

    /// <summary>Records the plant model a site starts with: the file with its secrets (password hashes, keys) redacted, and the SHA-256 of the whole file.</summary>
    public long RecordConfiguration(string source, byte[] content) => RecordFile(LedgerEntryKind.ConfigChange, "plant-model", source, content);

    /// <summary>
    /// Records that this site cosigned <paramref name="log"/> at its tree size for <paramref name="peer"/>: the origin,
    /// size and root it vouches for, and the cosignature line it sent back.
    /// </summary>
    public long RecordPeerCosignature(string peer, TwinGuard.Ledger.Witnessing.WitnessedLog log, string cosignature)
    {
        ArgumentNullException.ThrowIfNull(log);
        var (buffer, json) = Start();
        json.WriteStartObject();
        json.WriteString("peer", peer);
        json.WriteString("origin", log.Origin);
        json.WriteNumber("treeSize", log.TreeSize);
        json.WriteString("root", Convert.ToBase64String(log.RootHash));
        json.WriteString("cosignature", cosignature.TrimEnd('\n'));
        json.WriteEndObject();
        return Finish(buffer, json, LedgerEntryKind.PeerCosignature);
    }

    private long RecordFile(LedgerEntryKind entryKind, string kind, string source, byte[] content)
    {
        var (buffer, json) = Start();
        json.WriteStartObject();
        json.WriteString("kind", kind);
        json.WriteString("source", source);
        json.WriteString("sha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)));
        var (redacted, count) = SecretRedaction.Redact(System.Text.Encoding.UTF8.GetString(content));
        json.WriteString("content", redacted); // evidence without secrets: the hash above proves the full file
        json.WriteNumber("redacted", count);
        json.WriteEndObject();
        return Finish(buffer, json, entryKind);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>This thread's buffer and the writer over it, both reused: an entry allocates nothing of its own.</summary>
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Json) Start()
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var json = _writer ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        return (buffer, json);
    }

    private long Finish(ArrayBufferWriter<byte> buffer, Utf8JsonWriter json, LedgerEntryKind kind)
    {
        json.Flush();
        return appender.Append(kind, buffer.WrittenSpan);
    }

    /// <summary>The reading-batch entry's property names, escaped once (docs/ledger-entries.md).</summary>
    private static class BatchNames
    {
        public static readonly JsonEncodedText Asset = JsonEncodedText.Encode("asset");
        public static readonly JsonEncodedText Messages = JsonEncodedText.Encode("messages");
        public static readonly JsonEncodedText Device = JsonEncodedText.Encode("device");
        public static readonly JsonEncodedText Seq = JsonEncodedText.Encode("seq");
        public static readonly JsonEncodedText Ts = JsonEncodedText.Encode("ts");
        public static readonly JsonEncodedText Values = JsonEncodedText.Encode("values");
    }
}
