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
/// </remarks>
public sealed class ReadingGate(PlantModel plant, QuarantineList quarantine, FloodGuard flood, EvidenceSink evidence, ITwinInbox inbox)
{
    private readonly ConcurrentDictionary<(string Device, string Topic), bool> _authorised = new();
    private readonly string _prefix = plant.Site.TopicPrefix + "/";

    /// <summary>The plant model the gate enforces.</summary>
    public PlantModel Plant => plant;

    /// <summary>The quarantine list the gate consults.</summary>
    public QuarantineList Quarantine => quarantine;

    /// <summary>Decides on one message and, when accepted, hands it to the twin.</summary>
    public async ValueTask<GateDecision> AdmitAsync(SourceInfo source, string topic, ReadOnlyMemory<byte> payload, long arrivalTimestamp)
    {
        evidence.Metrics.CountMessage();
        var decision = await DecideAsync(source, topic, payload, arrivalTimestamp);
        if (!decision.Accepted)
        {
            // Counted once per message, whatever the number of findings its refusal raised: a message whose every
            // value is quarantined raises one finding per value and none for the message.
            evidence.Metrics.CountMessageRefused();
        }

        return decision;
    }

    private async ValueTask<GateDecision> DecideAsync(SourceInfo source, string topic, ReadOnlyMemory<byte> payload, long arrivalTimestamp)
    {
        var device = source.Device;

        if (quarantine.IsDeviceQuarantined(device.Id))
        {
            return Refuse(source, topic, null, null, ReasonCode.Quarantined, $"device '{device.Id}' is quarantined", payload);
        }

        if (!IsAuthorised(device, topic))
        {
            TryRoute(topic, out var targeted, out _, out _); // name the asset it aimed at, when there is one
            return Refuse(source, topic, targeted?.Id, null, ReasonCode.UnauthorisedTopic,
                $"device '{device.Id}' may not publish to '{topic}'", payload);
        }

        if (!TryRoute(topic, out var asset, out var signalIndex, out var routeError))
        {
            return Refuse(source, topic, asset?.Id, null, asset is null ? ReasonCode.UnknownAsset : ReasonCode.UnknownSignal, routeError, payload);
        }

        if (quarantine.IsAssetQuarantined(asset.Id))
        {
            return Refuse(source, topic, asset.Id, null, ReasonCode.Quarantined, $"asset '{asset.Id}' is quarantined", payload);
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
        if (quarantine.HasSignals)
        {
            values = values.Where(v => !IsQuarantined(source, topic, asset, v, payload)).ToArray();
        }

        if (values.Length == 0)
        {
            return parsed.Rejected.Count > 0 ? GateDecision.Refuse(parsed.Rejected[0].Reason) : GateDecision.Refuse(ReasonCode.Quarantined);
        }

        if (!flood.TryAdmit(device.Id, asset, values.Length))
        {
            return Refuse(source, topic, asset.Id, null, ReasonCode.Flooding,
                $"device '{device.Id}' exceeds {plant.Validation.FloodFactor}x the expected rate of '{asset.Id}'", payload);
        }

        await inbox.DeliverAsync(asset, new ReadingMessage(device.Id, parsed.Sequence, parsed.TimestampMs, arrivalTimestamp, values) { Boot = parsed.Boot });
        return GateDecision.Accept;
    }

    /// <summary>
    /// Refuses one value the transport itself could not accept as a reading (an OPC UA value whose StatusCode is Bad or
    /// Uncertain): counted as a refused message, kept with <paramref name="payload"/>, raised as a finding.
    /// </summary>
    public void RefuseValue(SourceInfo source, string topic, string assetId, string signalId, ReasonCode reason, string detail, ReadOnlyMemory<byte> payload)
    {
        evidence.Metrics.CountMessage();
        evidence.Metrics.CountMessageRefused();
        Refuse(source, topic, assetId, signalId, reason, detail, payload);
    }

    /// <summary>Records a connection the transport refused (unknown user, wrong password, quarantined device).</summary>
    public void RefuseConnection(string? userName, string clientId, string? remoteEndpoint, ReasonCode reason, string detail)
    {
        var now = evidence.Time.GetUtcNow();
        evidence.Refuse(
            new Refusal(now, reason, userName, clientId, remoteEndpoint, "(connect)", null, null, detail, ReadOnlyMemory<byte>.Empty),
            new Finding(now, reason, reason.DefaultSeverity(), null, null, userName, null, 0, detail)
            {
                ArrivalTimestamp = evidence.Time.GetTimestamp(),
            });
    }

    private bool IsQuarantined(SourceInfo source, string topic, AssetModel asset, SignalValue value, ReadOnlyMemory<byte> payload)
    {
        var signal = asset.Signals[value.SignalIndex].Id;
        if (!quarantine.IsSignalQuarantined(asset.Id, signal))
        {
            return false;
        }

        Refuse(source, topic, asset.Id, signal, ReasonCode.Quarantined, $"signal '{asset.Id}.{signal}' is quarantined", payload);
        return true;
    }

    private GateDecision Refuse(SourceInfo source, string topic, string? assetId, string? signalId, ReasonCode reason, string detail, ReadOnlyMemory<byte> payload)
    {
        var now = evidence.Time.GetUtcNow();
        evidence.Refuse(
            new Refusal(now, reason, source.Device.Id, source.ClientId, source.RemoteEndpoint, topic, assetId, signalId, detail, payload.ToArray()),
            new Finding(now, reason, reason.DefaultSeverity(), assetId, signalId, source.Device.Id, null, 0, detail)
            {
                ArrivalTimestamp = evidence.Time.GetTimestamp(),
            });
        return GateDecision.Refuse(reason);
    }

    private bool IsAuthorised(DeviceModel device, string topic) =>
        _authorised.GetOrAdd((device.Id, topic), static (key, d) => d.Topics.Any(f => TopicFilter.Matches(f, key.Topic)), device);

    private bool TryRoute(string topic, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AssetModel? asset, out int signalIndex, out string error)
    {
        asset = null;
        signalIndex = -1;
        error = string.Empty;
        if (!topic.StartsWith(_prefix, StringComparison.Ordinal))
        {
            error = $"topic '{topic}' is not under '{_prefix}'";
            return false;
        }

        var rest = topic.AsSpan(_prefix.Length);
        var slash = rest.IndexOf('/');
        var assetId = (slash < 0 ? rest : rest[..slash]).ToString();
        asset = plant.FindAsset(assetId);
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
}
