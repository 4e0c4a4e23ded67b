using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Twins.Twin;

/// <summary>
/// The per-message logic of one asset's twin, with no Orleans in it: refuses what validation refuses, keeps the trusted
/// state, runs the per-signal streaming detectors and raises what they find. The site's <see cref="TwinGrain"/> and the
/// edge's asset twin both run one.
/// </summary>
/// <remarks>
/// A value that fails validation never reaches the trusted state: the twin keeps the last-known-good value and marks
/// the signal suspect. Findings and refusals go to the <see cref="EvidenceSink"/>; accepted values and the relations'
/// view go through the <see cref="ITwinCoreHost"/>. Activation, timers, persistence and the relations themselves are
/// the host's. Not thread-safe: a grain turn, or the edge's lock, runs one message at a time.
/// </remarks>
internal sealed class TwinCore
{
    private readonly PlantModel _plant;
    private readonly AssetModel _asset;
    private readonly EvidenceSink _evidence;
    private readonly ITwinCoreHost _host;
    private List<(int Index, double Value, (ReasonCode Reason, double Score, string Detail) Found)>? _hits;

    /// <summary>When the last staleness check ran (Unix ms; 0 before the first).</summary>
    private long _lastStalenessCheckMs;

    /// <summary>When the staleness checks last resumed after this process was held up (Unix ms; 0 if never).</summary>
    private long _resumedMs;

    /// <summary>Creates the core of <paramref name="asset"/>'s twin with the state it has (restored, or carried over a reload).</summary>
    /// <param name="plant">The plant model in force.</param>
    /// <param name="asset">The asset, of <paramref name="plant"/>.</param>
    /// <param name="evidence">Where findings and refusals go.</param>
    /// <param name="host">The twin that runs this core.</param>
    /// <param name="validator">The asset's validator.</param>
    /// <param name="signals">The trusted state, one per signal of <paramref name="asset"/>; used in place, not copied.</param>
    /// <param name="detectors">The streaming detectors, one per signal of <paramref name="asset"/>.</param>
    public TwinCore(
        PlantModel plant, AssetModel asset, EvidenceSink evidence, ITwinCoreHost host, ReadingValidator validator, SignalState[] signals, SignalDetector[] detectors)
    {
        if (signals.Length != asset.Signals.Count || detectors.Length != asset.Signals.Count)
        {
            throw new ArgumentException($"{asset.Id} has {asset.Signals.Count} signals, the state {signals.Length} and the detectors {detectors.Length}", nameof(signals));
        }

        (_plant, _asset, _evidence, _host) = (plant, asset, evidence, host);
        (Validator, Signals, Detectors) = (validator, signals, detectors);
    }

    /// <summary>Creates the core of <paramref name="asset"/>'s twin with nothing learned yet.</summary>
    /// <param name="plant">The plant model in force.</param>
    /// <param name="asset">The asset, of <paramref name="plant"/>.</param>
    /// <param name="evidence">Where findings and refusals go.</param>
    /// <param name="host">The twin that runs this core.</param>
    /// <param name="validator">The asset's validator; a new one when null.</param>
    public TwinCore(PlantModel plant, AssetModel asset, EvidenceSink evidence, ITwinCoreHost host, ReadingValidator? validator = null)
        : this(plant, asset, evidence, host, validator ?? new ReadingValidator(asset, plant.Validation),
            new SignalState[asset.Signals.Count], [.. asset.Signals.Select(s => NewDetector(plant.Detection, s))])
    {
    }

    /// <summary>The asset.</summary>
    public AssetModel Asset => _asset;

    /// <summary>The asset's validator (its last accepted sequence numbers are the twin's to persist).</summary>
    public ReadingValidator Validator { get; }

    /// <summary>The trusted state, by signal index.</summary>
    public SignalState[] Signals { get; }

    /// <summary>The streaming detectors, by signal index.</summary>
    public SignalDetector[] Detectors { get; }

    /// <summary>A signal's streaming detectors with nothing learned.</summary>
    public static SignalDetector NewDetector(DetectionSettings settings, SignalModel signal) =>
        // The noise floor of a baseline: a thousandth of the signal's span, so that a perfectly quiet simulated
        // or quantised signal does not turn its first tiny wobble into an alarm.
        new(settings, (signal.Max - signal.Min) / 1000);

    /// <summary>
    /// Notes that the message's signals were heard from, and checks what holds for the message as a whole (device,
    /// replay, clock); refuses it when that fails.
    /// </summary>
    /// <returns>Refused when the message was refused (none of its values may be accepted), else accepted so far.</returns>
    public TwinVerdict Admit(ReadingMessage message, DateTimeOffset now, long nowMs)
    {
        foreach (var value in message.Values)
        {
            Signals[value.SignalIndex].LastSeenMs = nowMs;
            Signals[value.SignalIndex].StaleRaised = false;
        }

        // A forwarded message is judged against when the edge received it: its gate let it through then (never later than now).
        var receivedMs = message.ForwardedAtMs > 0 ? Math.Min(message.ForwardedAtMs, nowMs) : nowMs;
        if (Validator.CheckMessage(message.DeviceId, message.Boot, message.Sequence, message.TimestampMs, receivedMs) is { } refusal)
        {
            Refuse(message, null, refusal.Reason, refusal.Detail, now);
            return TwinVerdict.Refused(refusal.Reason);
        }

        return TwinVerdict.Accepted;
    }

    /// <summary>
    /// Validates and scores the values of an <see cref="Admit">admitted</see> message: refuses the values that fail
    /// validation, accepts the others into the trusted state (each handed to <see cref="ITwinCoreHost.Accepted"/>),
    /// and raises what the validation rules and the streaming detectors found.
    /// </summary>
    /// <param name="message">The message, admitted.</param>
    /// <param name="now">Server time.</param>
    /// <param name="factor">The intelligence factor on the asset's detectors (<see cref="DetectionSensitivity"/>); 1 as configured.</param>
    /// <param name="raises">Each signal's threshold raise by the analysts' verdicts (<see cref="DetectorTuning"/>); none when null.</param>
    /// <param name="learn">False for a message inside a confirmed attack's window: scored, never learned.</param>
    /// <param name="verdict">Refused, for the first value's reason, when every value was refused; else accepted.</param>
    /// <returns>How many values were accepted.</returns>
    public int Accept(ReadingMessage message, DateTimeOffset now, double factor, double[]? raises, bool learn, out TwinVerdict verdict)
    {
        var accepted = 0;
        verdict = TwinVerdict.Accepted;
        foreach (var (index, value) in message.Values)
        {
            ref var state = ref Signals[index];
            var measurement = _asset.Signals[index].Kind == SignalKind.Measurement;
            if (measurement && Validator.CheckFrozen(index, ref state, value) is { } frozen)
            {
                state.Trust = SignalTrust.Suspect;
                Raise(message, index, ReasonCode.Frozen, value, state.Repeats, frozen, now);
            }

            if (Validator.CheckValue(index, ref state, value, message.TimestampMs) is { } invalid)
            {
                state.Trust = SignalTrust.Suspect;
                Refuse(message, index, invalid.Reason, invalid.Detail, now, value);
                if (verdict.Refusal is null)
                {
                    verdict = TwinVerdict.Refused(invalid.Reason);
                }

                continue;
            }

            if (Validator.CheckOperating(index, ref state, value, message.TimestampMs) is { } excursion)
            {
                // The value is credible (it is not refused): the process itself is outside its operating band.
                Raise(message, index, ReasonCode.OperatingLimit, value, _asset.Signals[index].Operating!.Excess(value), excursion, now);
            }

            // A set-point moves in steps when an operator changes it: not a statistical outlier or a drift.
            if (measurement && !state.FrozenRaised && Detectors[index].Observe(value, raises is null ? factor : factor / raises[index], learn) is { } found)
            {
                (_hits ??= []).Add((index, value, found));
            }
            else if (!state.FrozenRaised)
            {
                state.Trust = SignalTrust.Trusted;
            }

            state.Value = value;
            state.ValueTimeMs = message.TimestampMs;
            _host.Accepted(index, message.TimestampMs, value, message.DeviceId);
            accepted++;
        }

        _evidence.Metrics.CountAccepted(accepted);
        RaiseDetectorHits(message, now);
        if (accepted > 0)
        {
            verdict = TwinVerdict.Accepted; // the values refused are refusals of their own; the message is kept
        }

        return accepted;
    }

    /// <summary>
    /// Raises staleness findings for signals not heard from in time. <paramref name="interval"/> is how often the caller
    /// checks. A check that comes more than one and a half intervals after the one before finds that this process, not
    /// the devices, was held up (a long GC, a starved thread pool, a paused virtual machine): readings sent meanwhile may
    /// still wait in its sockets and queues, and every signal would look silent at once. Silence is then counted from
    /// this check, not from before the pause (as Cassandra's failure detector ignores its own pauses), so a device that
    /// really went quiet is reported one staleness threshold later instead of every device being reported at once.
    /// </summary>
    public void CheckStaleness(DateTimeOffset now, TimeSpan interval)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        if (_lastStalenessCheckMs != 0 && nowMs - _lastStalenessCheckMs > interval.TotalMilliseconds * 1.5)
        {
            _resumedMs = nowMs;
        }

        _lastStalenessCheckMs = nowMs;
        for (var i = 0; i < Signals.Length; i++)
        {
            ref var state = ref Signals[i];
            if (Validator.CheckStale(i, ref state, nowMs, _resumedMs) is { } stale)
            {
                state.Trust = SignalTrust.Suspect;
                _evidence.Raise(new Finding(now, ReasonCode.Stale, Escalate(ReasonCode.Stale, i), _asset.Id, _asset.Signals[i].Id, null, null, 0, stale));
            }
        }
    }

    /// <summary>A finding on a high-criticality signal is one step more severe.</summary>
    public Severity Escalate(ReasonCode reason, int signalIndex)
    {
        var severity = reason.DefaultSeverity();
        return _asset.Signals[signalIndex].Criticality == Criticality.High && severity < Severity.Critical ? severity + 1 : severity;
    }

    /// <summary>
    /// Raises the streaming detectors' hits of one message, unless several signals of the asset moved together: an
    /// operating change (a new set-point moves speed, flow, pressure and current at once) is not an attack on a sensor.
    /// Attacks that move several signals consistently are the twin relations' to catch, not these detectors'.
    /// </summary>
    /// <remarks>A hit on a signal whose twin relations all hold is left to the relations: a change that the physics
    /// explains is an operating change, and one it does not explain raises <c>relation_violated</c> from the relation,
    /// naming the signal that moved. With a relation unknown, the hit is raised as before.</remarks>
    private void RaiseDetectorHits(ReadingMessage message, DateTimeOffset now)
    {
        if (_hits is not { Count: > 0 } hits)
        {
            return;
        }

        var explained = hits.RemoveAll(h => _host.IsExplainedByRelations(h.Index));
        if (explained > 0)
        {
            _evidence.Metrics.CountOperatingChange();
        }

        if (hits.Count == 0)
        {
            return;
        }

        if (hits.Count == 1 || _asset.Signals.Count < 3)
        {
            foreach (var (index, value, found) in hits)
            {
                Signals[index].Trust = SignalTrust.Suspect;
                Raise(message, index, found.Reason, value, found.Score, found.Detail, now);
            }
        }
        else
        {
            _evidence.Metrics.CountOperatingChange();
        }

        hits.Clear();
    }

    /// <remarks>
    /// A device the gate is summarising now (a flood) has its refusals here folded into its summary too
    /// (<see cref="RefusalSummariser.ShouldStoreLate"/>, counted there): a held flooder's readings arrive late, and one
    /// row, finding and ledger entry each would make its backlog cost the evidence path what the gate spared it.
    /// </remarks>
    private void Refuse(ReadingMessage message, int? index, ReasonCode reason, string detail, DateTimeOffset now, double? value = null)
    {
        var signalId = index is { } i ? _asset.Signals[i].Id : null;
        var topic = $"{_plant.Site.TopicPrefix}/{_asset.Id}";
        if (_evidence.Summaries?.ShouldStoreLate(message.DeviceId, topic, _asset.Id, reason, detail) == false)
        {
            return;
        }

        _evidence.Refuse(
            new Refusal(now, reason, message.DeviceId, null, null, topic, _asset.Id, signalId, detail, ReadOnlyMemory<byte>.Empty),
            new Finding(now, reason, index is { } j ? Escalate(reason, j) : reason.DefaultSeverity(), _asset.Id, signalId, message.DeviceId, value, 0, detail)
            {
                ArrivalTimestamp = message.ArrivalTimestamp,
            });
    }

    private void Raise(ReadingMessage message, int index, ReasonCode reason, double value, double score, string detail, DateTimeOffset now) =>
        _evidence.Raise(new Finding(now, reason, Escalate(reason, index), _asset.Id, _asset.Signals[index].Id, message.DeviceId, value, score, detail)
        {
            ArrivalTimestamp = message.ArrivalTimestamp,
        });
}
