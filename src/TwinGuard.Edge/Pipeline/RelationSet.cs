using System.Globalization;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;

namespace TwinGuard.Edge.Pipeline;

/// <summary>
/// The twin relations whose every input is an asset of this edge, each evaluated by the site's own
/// <see cref="RelationEvaluator"/> on the accepted values. Relations that read an asset the edge does not serve stay
/// with the site.
/// </summary>
/// <remarks>
/// What the site's relation grains do across grains, done here in one place: a violation is reported when it starts
/// and every <see cref="RepeatEvery"/> of device time while it lasts; the input blamed is the evaluator's ranking's
/// first (the site also asks the other relations for testimony, which needs every relation of the plant). Not
/// thread-safe: <see cref="EdgeTwins"/> runs one message at a time.
/// </remarks>
internal sealed class RelationSet
{
    /// <summary>How often a lasting violation is reported again (as at the site).</summary>
    public static readonly TimeSpan RepeatEvery = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    private readonly List<Entry> _dirty = [];
    private readonly EvidenceSink _evidence;

    public RelationSet(PlantModel plant, IReadOnlySet<string> assets, EvidenceSink evidence)
    {
        _evidence = evidence;
        foreach (var model in plant.Relations)
        {
            var compiled = model.CompileFor(plant);
            if (!compiled.SlotInfo.All(s => assets.Contains(s.AssetId)))
            {
                continue;
            }

            var signals = compiled.SlotInfo.Select(s => plant.FindAsset(s.AssetId)!.Signals[plant.FindAsset(s.AssetId)!.IndexOf(s.SignalId)]).ToArray();
            _byId[model.Id] = new Entry(model, [.. compiled.SlotInfo], signals,
                new RelationEvaluator(model, compiled, plant.Detection, [.. signals.Select(s => s.Max - s.Min)]));
        }
    }

    /// <summary>Relations evaluated here.</summary>
    public int Count => _byId.Count;

    /// <summary>Hands an accepted value to every relation here that reads it.</summary>
    public void Offer(AssetTwin twin, int signalIndex, long timestampMs, double value, string deviceId)
    {
        foreach (var (relation, slot) in twin.Routes.Of(signalIndex))
        {
            if (_byId.TryGetValue(twin.Routes.RelationIds[relation], out var entry) && entry.Evaluator.Offer(slot, timestampMs, value))
            {
                entry.Devices[slot] = deviceId;
                if (!entry.Dirty)
                {
                    entry.Dirty = true;
                    _dirty.Add(entry);
                }
            }
        }
    }

    /// <summary>
    /// True when the physics explains the signal's changes: one of its relations holds (or, violated, blames another
    /// input) and none blames it; the site twin's rule.
    /// </summary>
    public bool Explains(AssetTwin twin, int signalIndex)
    {
        var explained = false;
        foreach (var (relation, slot) in twin.Routes.Of(signalIndex))
        {
            if (!_byId.TryGetValue(twin.Routes.RelationIds[relation], out var entry))
            {
                continue;
            }

            var state = entry.Evaluator.Last.State;
            if (state == RelationState.Violated && entry.Evaluator.Culprit == slot)
            {
                return false;
            }

            explained |= state != RelationState.Unknown;
        }

        return explained;
    }

    /// <summary>Evaluates the relations that received values since the last call and raises what they found.</summary>
    public void Evaluate(DateTimeOffset now, Func<string, string, bool> unavailable)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        foreach (var entry in _dirty)
        {
            entry.Dirty = false;
            for (var s = 0; s < entry.Slots.Length; s++)
            {
                entry.Evaluator.SetUnavailable(s, unavailable(entry.Slots[s].AssetId, entry.Slots[s].SignalId));
            }

            var found = entry.Evaluator.Evaluate(nowMs);
            var last = entry.Evaluator.Last;
            if (found == RelationEvent.None && last.State == RelationState.Violated && last.TimeMs - entry.LastReportMs >= RepeatEvery.TotalMilliseconds)
            {
                found = RelationEvent.Violated;
            }

            if (found != RelationEvent.None)
            {
                entry.LastReportMs = last.TimeMs;
                Raise(entry, found, last, now);
            }
        }

        _dirty.Clear();
    }

    private void Raise(Entry entry, RelationEvent found, RelationEvaluation last, DateTimeOffset now)
    {
        var culprit = Math.Max(0, entry.Evaluator.Culprit);
        var slot = entry.Slots[culprit];
        var model = entry.Evaluator.Model;
        var inputs = string.Join(", ", entry.Slots);
        var message = found == RelationEvent.Violated
            ? string.Create(CultureInfo.InvariantCulture, $"relation {model.Id} violated: residual {last.Residual:G4} beyond tolerance {model.Tolerance:G4} (measured {last.Measured:G5}, expected {last.Expected:G5}); inputs {inputs}; blamed: {slot}")
            : string.Create(CultureInfo.InvariantCulture, $"relation {model.Id}: residual {last.Residual:G4} shifted persistently ({last.Z:F1} sigma, within tolerance {model.Tolerance:G4}); inputs {inputs}; blamed: {slot}");
        var severity = ReasonCode.RelationViolated.DefaultSeverity();
        if (found == RelationEvent.Violated && entry.Signals[culprit].Criticality == Criticality.High && severity < Severity.Critical)
        {
            severity++;
        }

        _evidence.Raise(new Finding(now, ReasonCode.RelationViolated, severity, slot.AssetId, slot.SignalId, entry.Devices[culprit],
            entry.Evaluator.Values[culprit], Math.Abs(last.Residual) / model.Tolerance, message, $"{model.Id}: {model.Expression}"));
    }

    private sealed class Entry(RelationModel model, RelationSlot[] slots, SignalModel[] signals, RelationEvaluator evaluator)
    {
        public RelationModel Model { get; } = model;

        public RelationSlot[] Slots { get; } = slots;

        public SignalModel[] Signals { get; } = signals;

        public RelationEvaluator Evaluator { get; } = evaluator;

        public string?[] Devices { get; } = new string?[slots.Length];

        public bool Dirty { get; set; }

        public long LastReportMs { get; set; }
    }
}
