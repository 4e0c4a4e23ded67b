using System.Globalization;
using System.Text.Json;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Inbox;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Edge.Site;

/// <summary>
/// The site's side of its edge agents: keeps every message an edge forwards exactly once by id (<c>edges.db</c>,
/// <see cref="OnceInbox"/>),
/// hands forwarded readings to the site's twins once (<see cref="ForwardedReadings"/>), raises the edges' findings into the site's pipeline (so they are recorded, correlated and answered by the site's
/// playbooks like its own), cosigns the edges' ledger checkpoints as a c2sp.org/tlog-witness witness, and sends
/// containments the site decides down to the edges.
/// </summary>
/// <remarks>
/// Bounded: a message is at most <see cref="MaxMessageBytes"/>, and the newest <see cref="IdsPerEdge"/> messages of each
/// edge are kept (the oldest beyond go: they are in the site's ledger and pipeline already). Repeats (an edge re-sending after a lost PUBACK) are counted in
/// <see cref="Repeats"/> and acknowledged without being kept twice. The witness key lives in <c>DATA/edge-witness</c>;
/// its verifier key is written to <c>DATA/edge-witness/witness.vkey</c> for the edges' <c>--site-witness-key</c>.
/// </remarks>
public sealed class EdgeSite : IEdgeReceiver, IDisposable
{
    /// <summary>Largest edge message kept.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>Messages kept per edge to recognise its repeats, by default.</summary>
    /// <value>250,000: about 4 hours of 4 devices x 4 Hz, far more than the one message an edge has in flight.</value>
    public const int IdsPerEdge = 250_000;

    private readonly PlantModel _plant;
    private readonly EvidenceSink _evidence;
    private readonly OnceInbox _once;
    private readonly Witness _witness;
    private readonly CheckpointCosigner _cosigner;
    private long _kept;
    private long _repeats;
    private long _refused;

    /// <summary>Opens the site's edge records in <paramref name="dataDirectory"/> for the edges <paramref name="plant"/> declares.</summary>
    /// <remarks><paramref name="idsPerEdge"/>: messages kept per edge (<see cref="IdsPerEdge"/>).</remarks>
    public EdgeSite(PlantModel plant, EvidenceSink evidence, string dataDirectory, TimeProvider time, int idsPerEdge = IdsPerEdge)
    {
        _plant = plant;
        _evidence = evidence;
        _once = new OnceInbox(Path.Combine(dataDirectory, "edges.db"), "edge_messages", "edge", idsPerEdge, time);
        var witnessDirectory = Path.Combine(dataDirectory, "edge-witness");
        var key = WitnessSigningKey.LoadOrCreate(Path.Combine(witnessDirectory, "key.pem"), "twinguard.site/" + plant.Site.Id);
        _witness = new Witness(key, witnessDirectory, [.. Edges.Select(d => LedgerPublicKey.FromVerifierKey(d.EdgeLedgerKey!))], time);
        File.WriteAllText(Path.Combine(witnessDirectory, "witness.vkey"), _witness.PublicKey.VerifierKey + "\n");
        _cosigner = new CheckpointCosigner(_witness, evidence);
    }

    /// <summary>The edge agents of the plant model.</summary>
    public IEnumerable<DeviceModel> Edges => _plant.Devices.Where(d => d.EdgeLedgerKey is not null);

    /// <summary>The key the site cosigns edge checkpoints with.</summary>
    public WitnessPublicKey WitnessKey => _witness.PublicKey;

    /// <summary>Where forwarded readings go into the site's twins; unset: they are only kept in <c>edges.db</c>.</summary>
    public ForwardedReadings? Readings { get; set; }

    /// <summary>Sends a message down to an edge (the broker's); unset: nothing goes down.</summary>
    public Func<string, byte[], CancellationToken, Task>? SendDown { get; set; }

    /// <summary>The containments in force at the site now (the respond stage's store); unset: none are re-sent.</summary>
    public Func<IReadOnlyList<EdgeContainment>>? ActiveContainments { get; set; }

    /// <summary>The edges' checkpoints cosigned and refused (bad signature, unknown log, fork) since start.</summary>
    public (long Cosigned, long Refused) Checkpoints => (_cosigner.Cosigned, _cosigner.Refused);

    /// <summary>Messages kept since start.</summary>
    public long Kept => Interlocked.Read(ref _kept);

    /// <summary>Repeats acknowledged without being kept again.</summary>
    public long Repeats => Interlocked.Read(ref _repeats);

    /// <summary>Messages refused as malformed.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Kept messages evicted, the oldest of an edge past its bound.</summary>
    public long Evicted => _once.Evicted;

    /// <summary>How many messages of <paramref name="kind"/> the site holds from <paramref name="edgeId"/>, and how many distinct ids.</summary>
    public long Count(string edgeId, string kind) => _once.Count(edgeId, kind);

    /// <summary>The bodies of the messages of <paramref name="kind"/> the site holds from <paramref name="edgeId"/>, in arrival order.</summary>
    public IReadOnlyList<EdgeMessage> Messages(string edgeId, string kind) =>
        [.. _once.Bodies(kind, edgeId).Select(m => JsonSerializer.Deserialize(m.Body, EdgeJson.Default.EdgeMessage)!)];

    /// <inheritdoc />
    public async Task<string?> ReceiveAsync(DeviceModel edge, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(edge);
        var (message, problem) = Parse(payload);
        if (message is null)
        {
            Interlocked.Increment(ref _refused);
            return problem;
        }

        if (!_once.TryKeep(edge.Id, message.Id, message.Kind, System.Text.Encoding.UTF8.GetString(payload.Span)))
        {
            Interlocked.Increment(ref _repeats);
            return null;
        }

        switch (message.Kind)
        {
            case "reading" when Readings is { } readings:
                try
                {
                    await readings.DeliverAsync(edge, message, payload);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
                {
                    // Not in the site's ledger: forget it, so that the edge's retry (same id) is delivered then.
                    _once.Forget(edge.Id, message.Id);

                    return "the site could not keep the reading yet: " + EvidenceClip.Text(ex.Message);
                }

                break;
            case "finding":
                _evidence.Raise(ToFinding(edge, message.Finding!));
                break;
            case "checkpoint":
                await CosignAsync(edge, message.Checkpoint!, cancellationToken);
                break;
        }

        Interlocked.Increment(ref _kept);
        return null;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Every containment in force is sent again: one decided while the edge was cut off (its clean session lost the
    /// message) reaches it now; one it already has is <c>already in place</c> there.
    /// </remarks>
    public async Task LinkedAsync(DeviceModel edge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(edge);
        if (SendDown is not { } send || ActiveContainments?.Invoke() is not { Count: > 0 } active)
        {
            return;
        }

        foreach (var containment in active)
        {
            await send(edge.Id, JsonSerializer.SerializeToUtf8Bytes(new EdgeDownMessage("containment") { Containment = containment }, EdgeJson.Default.EdgeDownMessage),
                cancellationToken);
        }
    }

    /// <summary>The containment a quarantine in force at the site means for the edges, if any.</summary>
    public static EdgeContainment? ContainmentOf(QuarantineEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Kind switch
        {
            QuarantineKind.Source => new EdgeContainment("quarantine", "device", entry.Target, entry.Reason, "site"),
            QuarantineKind.Credentials => new EdgeContainment("revoke", "device", entry.Target, entry.Reason, "site"),
            QuarantineKind.Asset => new EdgeContainment("quarantine", "asset", entry.Target, entry.Reason, "site"),
            QuarantineKind.Signal => new EdgeContainment("quarantine", "signal", entry.Target, entry.Reason, "site"),
            _ => null,
        };
    }

    /// <summary>Sends a containment the site decided to every edge (an edge ignores ids it does not serve).</summary>
    public async Task ContainAsync(EdgeContainment containment, CancellationToken cancellationToken)
    {
        if (SendDown is not { } send)
        {
            return;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(new EdgeDownMessage("containment") { Containment = containment }, EdgeJson.Default.EdgeDownMessage);
        foreach (var edge in Edges)
        {
            await send(edge.Id, bytes, cancellationToken);
        }
    }

    /// <summary>The containment an action of the site's respond stage puts in force or lifts at the edges, if any.</summary>
    public static EdgeContainment? ContainmentOf(ActionRecord action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var colon = action.Action.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var verb = action.Action[..colon];
        var target = action.Action[(colon + 2)..] switch
        {
            "source" or "credentials" or "device" => "device",
            "asset" => "asset",
            "signal" or "signals" => "signal",
            _ => null,
        };
        return (verb, target, action.Outcome) switch
        {
            (_, null, _) => null,
            ("quarantine", _, ActionOutcome.Done or ActionOutcome.AlreadyInPlace) => new EdgeContainment("quarantine", target, action.Target, action.Detail, "site"),
            ("revoke_credentials", _, ActionOutcome.Done or ActionOutcome.AlreadyInPlace) => new EdgeContainment("revoke", target, action.Target, action.Detail, "site"),
            ("release", _, ActionOutcome.Released) => new EdgeContainment("release", target, action.Target, action.Detail, "site"),
            _ => null,
        };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _witness.Dispose();
        _once.Dispose();
    }

    private static (EdgeMessage? Message, string Problem) Parse(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length > MaxMessageBytes)
        {
            return (null, $"an edge message is at most {MaxMessageBytes} bytes");
        }

        EdgeMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(payload.Span, EdgeJson.Default.EdgeMessage);
        }
        catch (JsonException ex)
        {
            return (null, "not an edge message: " + EvidenceClip.Text(ex.Message));
        }

        return message switch
        {
            null => (null, "not an edge message: null"),
            { Id: null or { Length: 0 or > 64 } } => (null, "an edge message needs an id of 1 to 64 characters"),
            { Kind: "reading", Reading: not null } or { Kind: "checkpoint", Checkpoint: not null } or { Kind: "containment", Containment: not null } => (message, string.Empty),
            { Kind: "finding", Finding: { } f } when ReasonCodes.TryParse(f.Reason, out _) && Enum.TryParse<Severity>(f.Severity, ignoreCase: true, out var s) && Enum.IsDefined(s) => (message, string.Empty),
            _ => (null, $"edge message '{EvidenceClip.Text(message.Id)}' of kind '{EvidenceClip.Text(message.Kind)}' lacks its part or names an unknown reason or severity"),
        };
    }

    private Finding ToFinding(DeviceModel edge, EdgeFinding f)
    {
        ReasonCodes.TryParse(f.Reason, out var reason);
        Enum.TryParse<Severity>(f.Severity, ignoreCase: true, out var severity);
        return new Finding(DateTimeOffset.FromUnixTimeMilliseconds(f.Time), reason, severity, EvidenceClip.Text(f.Asset), EvidenceClip.Text(f.Signal),
            EvidenceClip.Text(f.Device), f.Value, f.Score, EvidenceClip.Text($"edge {edge.Id}: {f.Message}", EvidenceClip.MaxText * 4)!)
        {
            RemoteAddress = EvidenceClip.Text(f.RemoteAddress),
        };
    }

    private async Task CosignAsync(DeviceModel edge, string request, CancellationToken cancellationToken)
    {
        var answer = await _cosigner.CosignAsync($"edge '{edge.Id}'", edge.Id, request, cancellationToken);
        // The checkpoint's tree size is the second line of its note (c2sp.org/tlog-checkpoint), after the proof's blank line.
        var note = request.IndexOf("\n\n", StringComparison.Ordinal) is var blank and >= 0 ? request[(blank + 2)..].Split('\n') : [];
        var size = note.Length > 1 && long.TryParse(note[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        if (SendDown is { } send)
        {
            var down = new EdgeDownMessage("cosignature") { TreeSize = size, Status = answer.Status, Cosignature = answer.Body };
            await send(edge.Id, JsonSerializer.SerializeToUtf8Bytes(down, EdgeJson.Default.EdgeDownMessage), cancellationToken);
        }
    }
}
