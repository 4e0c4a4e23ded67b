using System.Collections.Concurrent;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Gate;

/// <summary>
/// The gate: is the source allowed to publish this, to this asset, now? Every transport (MQTT, Modbus, HTTP, replay)
/// brings its messages here.
/// </summary>
/// <remarks>
/// Checks, in order: device quarantined; topic outside the device's filters [IEC 62443-3-3 SR 2.1, authorisation
/// enforcement]; unknown asset or signal; asset quarantined; payload malformed; values of the wrong type; signal
/// quarantined; flooding. Every refusal is counted, kept with its payload and raised as a finding.
/// Disposing the gate stops its refusal summaries' timer, which would otherwise keep the gate, and everything it reaches,
/// alive after its host has stopped.
/// </remarks>
public sealed class ReadingGate : IDisposable
{
    /// <summary>Device and topic pairs whose authorisation is remembered; topics are the device's choice.</summary>
    private const int MaxRemembered = 4096;


    // Per remote address and reason, one refused connection is stored per fold window (the findings fold alike;
    // limits.refusal_fold_window, 10 s by default). Refused messages of devices are summarised per window alike.
    private readonly RefusalFolder _connectionFolds;
    private readonly PlantModelSource _plant;
    private readonly QuarantineList _quarantine;
    private readonly FloodGuard _flood;
    private readonly EvidenceSink _evidence;
    private readonly ITwinInbox _inbox;
    private readonly RefusalSummariser _summaries;
    private View _view;

    /// <summary>A gate enforcing the model in force in <paramref name="plant"/>, from its next message after a reload.</summary>
    public ReadingGate(PlantModelSource plant, QuarantineList quarantine, FloodGuard flood, EvidenceSink evidence, ITwinInbox inbox)
    {
        ArgumentNullException.ThrowIfNull(plant);
        (_plant, _quarantine, _flood, _evidence, _inbox) = (plant, quarantine, flood, evidence, inbox);
        _view = new View(plant.Current);
        _connectionFolds = new RefusalFolder(plant.Current.Limits.RefusalFoldWindow);
        _summaries = new RefusalSummariser(evidence, plant.Current.Limits.RefusalFoldWindow);
        evidence.Summaries = _summaries; // the twins fold a summarised device's late readings into the same windows

        // An operator who lifts a device's quarantine has looked at it: a flood cut-off still running ends with it.
        _quarantine.ChangedLocally += (kind, target) =>
        {
            if (kind == QuarantineChangeKind.ReleaseDevice)
            {
                _flood.EndCutOff(target);
            }
        };
    }

    /// <summary>Stops the refusal summaries' timer and closes their open windows (<see cref="CloseRefusalSummaries"/>).</summary>
    public void Dispose() => _summaries.Dispose();

    /// <summary>
    /// Writes the summary of every refusal window still open, ended or not: the host calls it once the transports have
    /// stopped and before the evidence sink closes, so that every refusal counted is in the store or in a summary.
    /// </summary>
    public void CloseRefusalSummaries() => _summaries.CloseAll();

    /// <summary>The plant model the gate enforces (the one in force now).</summary>
    public PlantModel Plant => _plant.Current;

    /// <summary>Where the gate's plant model comes from; a reload applies through it.</summary>
    public PlantModelSource PlantSource => _plant;

    /// <summary>The _quarantine list the gate consults.</summary>
    public QuarantineList Quarantine => _quarantine;

    /// <summary>The flood guard: per-source rates, and the devices cut off for a sustained flood.</summary>
    public FloodGuard Flood => _flood;

    /// <summary>The pipeline's clock: transports stamp arrivals with it, so that every stage measures latency on one clock.</summary>
    public TimeProvider Time => _evidence.Time;

    /// <summary>
    /// Raised for every connection attempt a transport reports, accepted or not: the remote addresses of clients are
    /// network events for threat intelligence, whatever transport they came through.
    /// </summary>
    public event Action<ConnectionAttempt>? Connecting;

    /// <summary>Reports a client's connection attempt (every transport calls it as a client arrives).</summary>
    public void ObserveConnection(ConnectionAttempt attempt) => Connecting?.Invoke(attempt);

    /// <summary>Decides on one message and, when accepted, hands it to the twin.</summary>
    /// <param name="source">Who sent it.</param>
    /// <param name="topic">Where it was published.</param>
    /// <param name="payload">The reading.</param>
    /// <param name="arrivalTimestamp">When the transport received it, on <see cref="Time"/>.</param>
    /// <param name="kept">
    /// True when the transport acknowledges the message to its sender (MQTT QoS 1/2): an accepted decision then carries
    /// <see cref="GateDecision.Kept"/>, to await before acknowledging.
    /// </param>
    /// <param name="alone">With <paramref name="kept"/>: the sender has no other message waiting for its acknowledgement (<see cref="ITwinInbox.DeliverAsync(AssetModel, ReadingMessage, bool, ReceiveBatch?, bool)"/>).</param>
    public async ValueTask<GateDecision> AdmitAsync(SourceInfo source, string topic, ReadOnlyMemory<byte> payload, long arrivalTimestamp, bool kept = false, bool alone = false)
    {
        _evidence.Metrics.CountMessage();
        var decision = await DecideAsync(source, topic, payload, arrivalTimestamp, kept, alone);
        if (!decision.Accepted)
        {
            // Counted once per message, whatever the number of findings its refusal raised: a message whose every
            // value is quarantined raises one finding per value and none for the message.
            _evidence.Metrics.CountMessageRefused();
        }

        return decision;
    }

    private async ValueTask<GateDecision> DecideAsync(SourceInfo source, string topic, ReadOnlyMemory<byte> payload, long arrivalTimestamp, bool kept, bool alone)
    {
        var route = RouteOf(source, topic);

        // The device as the model in force describes it: a reload may have changed its topics or removed it.
        if (route.Device is not { } device)
        {
            return Refuse(source, topic, null, null, ReasonCode.UnknownSource, $"device '{source.Device.Id}' is no longer in the plant model", payload);
        }

        if (_quarantine.IsDeviceQuarantined(device.Id))
        {
            return Refuse(source, topic, null, null, ReasonCode.Quarantined, $"device '{device.Id}' is quarantined", payload);
        }

        if (!route.Authorised)
        {
            // Named with the asset it aimed at, when there is one.
            return Refuse(source, topic, route.Asset?.Id, null, ReasonCode.UnauthorisedTopic,
                $"device '{device.Id}' may not publish to '{topic}'", payload);
        }

        if (route.Error is not null || route.Asset is not { } asset)
        {
            return Refuse(source, topic, route.Asset?.Id, null, route.Asset is null ? ReasonCode.UnknownAsset : ReasonCode.UnknownSignal, route.Error!, payload);
        }

        var signalIndex = route.SignalIndex;
        if (_quarantine.IsAssetQuarantined(asset.Id))
        {
            return Refuse(source, topic, asset.Id, null, ReasonCode.Quarantined, $"asset '{asset.Id}' is quarantined", payload);
        }

        if (_flood.IsFlooding(device.Id, asset, out var hold, out var sustained))
        {
            // Before parsing: an empty bucket refuses whatever the message holds, so a flood costs a lookup, not a parse.
            return Refuse(source, topic, asset.Id, null, ReasonCode.Flooding, FloodDetail(device, asset), payload)
                with { HoldReading = hold, CutOff = sustained };
        }

        ParsedPayload parsed;
        try
        {
            parsed = ReadingPayloadParser.Parse(asset, signalIndex, payload.Span);
        }
        catch (PayloadException ex)
        {
            return Refuse(source, topic, asset.Id, signalIndex >= 0 ? asset.Signals[signalIndex].Id : null, ReasonCode.Malformed, ex.Message, payload);
        }

        foreach (var rejected in parsed.Rejected)
        {
            Refuse(source, topic, asset.Id, rejected.SignalId, rejected.Reason, rejected.Detail, payload);
        }

        var values = parsed.Values;
        if (_quarantine.HasSignals)
        {
            values = WithoutQuarantined(source, topic, asset, values, payload);
        }

        if (values.Length == 0)
        {
            return parsed.Rejected.Count > 0 ? GateDecision.Refuse(parsed.Rejected[0].Reason) : GateDecision.Refuse(ReasonCode.Quarantined);
        }

        if (!_flood.TryAdmit(device.Id, asset, values.Length))
        {
            return Refuse(source, topic, asset.Id, null, ReasonCode.Flooding, FloodDetail(device, asset), payload)
                with { HoldReading = _flood.HoldAfterRefusal(device.Id, asset, out var cutOff), CutOff = cutOff };
        }

        var recorded = await _inbox.DeliverAsync(asset, new ReadingMessage(device.Id, parsed.Sequence, parsed.TimestampMs, arrivalTimestamp, values) { Boot = parsed.Boot }, kept, source.Batch, alone);
        return kept ? GateDecision.Accept with { Kept = recorded } : GateDecision.Accept;
    }

    private string FloodDetail(DeviceModel device, AssetModel asset) =>
        $"device '{device.Id}' exceeds {_plant.Current.Validation.FloodFactor}x the expected rate of '{asset.Id}'";

    /// <summary>
    /// Refuses one value the transport itself could not accept as a reading (an OPC UA value whose StatusCode is Bad or
    /// Uncertain): counted as a refused message, kept with <paramref name="payload"/>, raised as a finding.
    /// </summary>
    public void RefuseValue(SourceInfo source, string topic, string assetId, string signalId, ReasonCode reason, string detail, ReadOnlyMemory<byte> payload)
    {
        _evidence.Metrics.CountMessage();
        _evidence.Metrics.CountMessageRefused();
        Refuse(source, topic, assetId, signalId, reason, detail, payload);
    }

    /// <summary>Records a connection the transport refused (unknown user, wrong password, quarantined device).</summary>
    /// <remarks>
    /// What the client chose is stored clipped (<see cref="EvidenceClip"/>). Repeats from one address for one reason are
    /// folded (<see cref="RefusalFolder"/>): the next refusal stored says how many were folded. A client that did not
    /// authenticate (unknown source, bad credentials) is grouped by its address block, so that incidents follow the
    /// block, not the names it makes up.
    /// </remarks>
    public void RefuseConnection(string? userName, string clientId, string? remoteEndpoint, ReasonCode reason, string detail)
    {
        var now = _evidence.Time.GetUtcNow();
        userName = EvidenceClip.Text(userName);
        var address = AddressBlock.AddressOf(remoteEndpoint);
        var finding = new Finding(now, reason, reason.DefaultSeverity(), null, null, userName, null, 0, EvidenceClip.Text(detail, EvidenceClip.MaxText * 4))
        {
            ArrivalTimestamp = _evidence.Time.GetTimestamp(),
            SourceBlock = address is not null && reason is ReasonCode.UnknownSource or ReasonCode.BadCredentials ? AddressBlock.Of(address).ToString() : null,
            RemoteAddress = address?.ToString(),
        };
        if (!_connectionFolds.ShouldStore(address?.ToString() ?? remoteEndpoint ?? "-", reason, now, out var folded, out var since))
        {
            _evidence.Metrics.CountRefusal(userName, reason);
            _evidence.Raise(finding);
            return;
        }

        var stored = folded == 0 ? finding.Message : string.Create(
            System.Globalization.CultureInfo.InvariantCulture, $"{finding.Message} ({folded} more from this address for this reason since {since:O} folded)");
        _evidence.Refuse(
            new Refusal(now, reason, userName, EvidenceClip.Text(clientId), remoteEndpoint, "(connect)", null, null, stored, ReadOnlyMemory<byte>.Empty),
            finding);
    }

    /// <summary>Records a message the transport refused before the gate (a protocol rule), as a refusal and a finding.</summary>
    public void RefuseMessage(SourceInfo source, string topic, ReasonCode reason, string detail, ReadOnlyMemory<byte> payload) =>
        Refuse(source, topic, null, null, reason, detail, payload);

    /// <remarks>Not a lambda inside <see cref="DecideAsync"/>: its captures would allocate a closure for every message.</remarks>
    private SignalValue[] WithoutQuarantined(SourceInfo source, string topic, AssetModel asset, SignalValue[] values, ReadOnlyMemory<byte> payload) =>
        values.Where(v => !IsQuarantined(source, topic, asset, v, payload)).ToArray();

    private bool IsQuarantined(SourceInfo source, string topic, AssetModel asset, SignalValue value, ReadOnlyMemory<byte> payload)
    {
        var signal = asset.Signals[value.SignalIndex].Id;
        if (!_quarantine.IsSignalQuarantined(asset.Id, signal))
        {
            return false;
        }

        Refuse(source, topic, asset.Id, signal, ReasonCode.Quarantined, $"signal '{asset.Id}.{signal}' is quarantined", payload);
        return true;
    }

    private GateDecision Refuse(SourceInfo source, string topic, string? assetId, string? signalId, ReasonCode reason, string detail, ReadOnlyMemory<byte> payload)
    {
        if (!_summaries.ShouldStore(source, topic, assetId, reason, payload.Span))
        {
            return GateDecision.Refuse(reason); // counted and folded into this device's flood summary
        }

        var now = _evidence.Time.GetUtcNow();
        var (kept, note) = EvidenceClip.Payload(payload);
        topic = EvidenceClip.Text(topic)!;
        detail = EvidenceClip.Text(detail, EvidenceClip.MaxText * 4);
        detail = note is null ? detail : $"{detail} ({note})"; // the digest reaches the ledger with the finding
        _evidence.Refuse(
            new Refusal(now, reason, source.Device.Id, EvidenceClip.Text(source.ClientId), source.RemoteEndpoint, topic, assetId, signalId, detail, kept),
            new Finding(now, reason, reason.DefaultSeverity(), assetId, signalId, source.Device.Id, null, 0, detail)
            {
                ArrivalTimestamp = _evidence.Time.GetTimestamp(),
                RemoteAddress = AddressBlock.AddressOf(source.RemoteEndpoint)?.ToString(),
            });
        return GateDecision.Refuse(reason);
    }

    /// <summary>
    /// The source's route to <paramref name="topic"/> under the model in force: kept from its last message to that topic
    /// (<see cref="GateRoute"/>), or worked out now and kept.
    /// </summary>
    private GateRoute RouteOf(SourceInfo source, string topic)
    {
        var model = _plant.Current;
        var routes = source.Routes;
        if (GateRoute.Find(routes, source.Device, model, topic) is { } kept)
        {
            return kept;
        }

        var device = ReferenceEquals(model.FindDevice(source.Device.Id), source.Device) ? source.Device : model.FindDevice(source.Device.Id);
        var authorised = device is not null && IsAuthorised(device, topic);
        var routed = TryRoute(topic, out var asset, out var signalIndex, out var error);
        var route = new GateRoute(source.Device, model, topic, device, authorised, asset, signalIndex, routed ? null : error);
        GateRoute.Keep(routes, ref source.NextRoute, route);
        return route;
    }

    private bool IsAuthorised(DeviceModel device, string topic)
    {
        var authorised = Current().Authorised;
        if (authorised.TryGetValue((device.Id, topic), out var known))
        {
            return known;
        }

        var allowed = device.Topics.Any(f => TopicFilter.Matches(f, topic));
        if (authorised.Count < MaxRemembered)
        {
            authorised[(device.Id, topic)] = allowed;
        }

        return allowed;
    }

    private bool TryRoute(string topic, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AssetModel? asset, out int signalIndex, out string error)
    {
        asset = null;
        signalIndex = -1;
        error = string.Empty;
        var view = Current();
        var prefix = view.Prefix;
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            error = $"topic '{topic}' is not under '{prefix}'";
            return false;
        }

        var rest = topic.AsSpan(prefix.Length);
        var slash = rest.IndexOf('/');
        var assetId = slash < 0 ? rest : rest[..slash];
        asset = view.Model.FindAsset(assetId);
        if (asset is null)
        {
            error = $"no asset '{assetId}' in the plant model";
            return false;
        }

        if (slash < 0)
        {
            return true;
        }

        var signal = rest[(slash + 1)..];
        signalIndex = asset.IndexOf(signal);
        if (signalIndex < 0)
        {
            error = $"asset '{assetId}' has no signal '{signal}'";
            return false;
        }

        return true;
    }

    /// <summary>The view of the model in force, rebuilt at the first message after a reload.</summary>
    private View Current()
    {
        var view = Volatile.Read(ref _view);
        var model = _plant.Current;
        if (ReferenceEquals(view.Model, model))
        {
            return view;
        }

        var next = new View(model);
        Interlocked.CompareExchange(ref _view, next, view);
        return next;
    }

    /// <summary>What the gate derives from one model: the topic prefix, and the authorisations it remembers (a reload may change a device's topics).</summary>
    private sealed class View(PlantModel model)
    {
        public PlantModel Model { get; } = model;

        public string Prefix { get; } = model.Site.TopicPrefix + "/";

        public ConcurrentDictionary<(string Device, string Topic), bool> Authorised { get; } = new();
    }
}
