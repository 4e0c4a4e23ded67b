using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Edge.Site;

/// <summary>
/// Hands the readings an edge forwards to the site's twins, so that the site validates, learns and detects on them as
/// on the readings of a device connected to it directly (docs/edge.md, Forwarded readings).
/// </summary>
/// <remarks>
/// What the site decides again, on its own model and quarantines (a containment decided at the site, a device removed
/// by a reload, a device the edge has no business speaking for): the device exists and is no edge or peer, it may
/// publish to the asset, neither it nor the asset nor the signal is quarantined here, the signal exists. Refusals are
/// the gate's (counted, kept, raised as findings naming the edge). What it does not do again, on purpose: the payload
/// parsing and the flood guard (the edge's gate judged the device's bytes and rate as they arrived; a backlog after a
/// cut link arrives in a burst by design), and the values the edge refused never travel (its findings say why). The
/// twin then checks timestamps against when the edge received the reading
/// (<see cref="ReadingMessage.ForwardedAtMs"/>), not against now, so a backlog is not refused as late.
/// </remarks>
public sealed class ForwardedReadings(ReadingGate gate, ITwinInbox twins)
{
    /// <summary>How long an edge may hold a reading before the site refuses it as too old to be the edge's backlog.</summary>
    public static readonly TimeSpan MaxBacklogAge = TimeSpan.FromDays(7);

    /// <summary>Readings handed to the site's twins since start.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Readings (or values of them) the site refused since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    private long _delivered;
    private long _refused;

    /// <summary>
    /// Checks one forwarded reading against the site's model and hands what passes to its asset's twin, waiting until it
    /// is in the site's ledger. A refusal is final (recorded as a finding, nothing to retry).
    /// </summary>
    /// <param name="edge">The edge that forwarded it.</param>
    /// <param name="message">The edge message, of kind <c>reading</c>.</param>
    /// <param name="payload">The message as received, kept with a refusal.</param>
    /// <returns>True when handed to a twin and accepted by it, false when refused (by the gate's checks or by the twin).</returns>
    /// <exception cref="IOException">The site's ledger could not keep it: the edge should send it again.</exception>
    public async Task<bool> DeliverAsync(DeviceModel edge, EdgeMessage message, ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(edge);
        ArgumentNullException.ThrowIfNull(message);
        var reading = message.Reading!;
        var plant = gate.Plant;
        var topic = plant.Site.TopicPrefix + "/" + reading.Asset;
        var device = plant.FindDevice(reading.Device);
        if (device is null || device.EdgeLedgerKey is not null || device.Peer is not null)
        {
            // Refused in the edge's name: the device it names is not one this site knows.
            return Refuse(() => gate.RefuseMessage(new SourceInfo(edge, edge.Id, null), topic, ReasonCode.UnknownSource,
                $"edge '{edge.Id}' forwarded a reading of '{EvidenceClip.Text(reading.Device)}', which is no device of this site", payload));
        }

        var source = new SourceInfo(device, "edge:" + edge.Id, null);
        var quarantine = gate.Quarantine;
        if (quarantine.IsDeviceQuarantined(device.Id))
        {
            return Refuse(() => gate.RefuseMessage(source, topic, ReasonCode.Quarantined, $"device '{device.Id}' is quarantined (reading forwarded by edge '{edge.Id}')", payload));
        }

        if (plant.FindAsset(reading.Asset) is not { } asset)
        {
            return Refuse(() => gate.RefuseMessage(source, topic, ReasonCode.UnknownAsset, $"edge '{edge.Id}' forwarded a reading of unknown asset '{EvidenceClip.Text(reading.Asset)}'", payload));
        }

        if (quarantine.IsAssetQuarantined(asset.Id))
        {
            return Refuse(() => gate.RefuseMessage(source, topic, ReasonCode.Quarantined, $"asset '{asset.Id}' is quarantined (reading forwarded by edge '{edge.Id}')", payload));
        }

        var nowMs = gate.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (nowMs - message.Time > MaxBacklogAge.TotalMilliseconds)
        {
            return Refuse(() => gate.RefuseMessage(source, topic, ReasonCode.PastTimestamp,
                $"edge '{edge.Id}' received this reading {nowMs - message.Time} ms ago, more than the {MaxBacklogAge.TotalDays} days a backlog may be", payload));
        }

        var values = new List<SignalValue>(reading.Values.Count);
        foreach (var (signalId, value) in reading.Values)
        {
            var index = asset.IndexOf(signalId);
            var signalTopic = topic + "/" + signalId;
            if (index < 0)
            {
                Refuse(() => gate.RefuseMessage(source, signalTopic, ReasonCode.UnknownSignal, $"asset '{asset.Id}' has no signal '{EvidenceClip.Text(signalId)}' (forwarded by edge '{edge.Id}')", payload));
            }
            else if (!device.Topics.Any(f => TopicFilter.Matches(f, topic) || TopicFilter.Matches(f, signalTopic)))
            {
                Refuse(() => gate.RefuseValue(source, signalTopic, asset.Id, signalId, ReasonCode.UnauthorisedTopic,
                    $"device '{device.Id}' may not publish to '{signalTopic}' (reading forwarded by edge '{edge.Id}')", payload));
            }
            else if (quarantine.IsSignalQuarantined(asset.Id, signalId))
            {
                Refuse(() => gate.RefuseValue(source, signalTopic, asset.Id, signalId, ReasonCode.Quarantined, $"signal '{asset.Id}.{signalId}' is quarantined (forwarded by edge '{edge.Id}')", payload));
            }
            else if (!double.IsFinite(value))
            {
                Refuse(() => gate.RefuseValue(source, signalTopic, asset.Id, signalId, ReasonCode.NonFinite, $"{asset.Id}.{signalId} is not a finite number (forwarded by edge '{edge.Id}')", payload));
            }
            else
            {
                values.Add(new SignalValue(index, value));
            }
        }

        if (values.Count == 0)
        {
            return false;
        }

        var forwarded = new ReadingMessage(device.Id, reading.Sequence, reading.Timestamp, gate.Time.GetTimestamp(), [.. values])
        {
            Boot = reading.Boot,
            ForwardedAtMs = message.Time,
        };
        var kept = await twins.DeliverAsync(asset, forwarded, kept: true);
        if ((await kept).Refusal is not null)
        {
            // Kept in the ledger, refused by the site's twin (a replay, a value out of range): its finding says why.
            Interlocked.Increment(ref _refused);
            return false;
        }

        Interlocked.Increment(ref _delivered);
        return true;
    }

    private bool Refuse(Action record)
    {
        record();
        Interlocked.Increment(ref _refused);
        return false;
    }
}
