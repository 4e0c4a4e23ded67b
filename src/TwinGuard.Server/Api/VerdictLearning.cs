using System.Globalization;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Server.Api;

/// <summary>
/// What an analyst's verdict teaches the twins, each change recorded (action record and ledger entry) with who made it:
/// <list type="bullet">
/// <item><c>false_positive</c> on a <c>baseline_drift</c> finding: the change of normal is real operation, the asset's
/// multivariate model re-baselines on what comes next.</item>
/// <item><c>false_positive</c> on a <c>statistical_outlier</c> or <c>persistent_shift</c> finding (not critical): that
/// signal's streaming thresholds go up one step, at most to <see cref="DetectorTuning.MaxFactor"/> (listed and reset
/// through <c>/api/tunings</c>).</item>
/// <item><c>false_positive</c> on a <c>multivariate_anomaly</c> finding (not critical): that asset's multivariate model
/// threshold goes up one step, at most to <see cref="DetectorTuning.MultivariateMaxFactor"/> (listed and reset as the
/// signal <see cref="DetectorTuning.Multivariate"/>).</item>
/// <item><c>confirmed_attack</c> on a finding or an incident: the states of its assets during the attack are never
/// learned (<see cref="ITwinGrain.ExcludeFromLearningAsync"/>), after a restart too (kept in the response store and
/// restored at start).</item>
/// </list>
/// </summary>
internal sealed class VerdictLearning(DetectorTuning tuning, WriteRecorder writes, IGrainFactory grains, PlantRecords records, PlantModel plant)
{
    /// <summary>What a verdict on a finding teaches; called once the verdict is recorded.</summary>
    public async Task LearnFromFindingAsync(StoredFinding finding, string verdict, string comment, ApiKey key)
    {
        if (verdict == "confirmed_attack")
        {
            if (finding.IncidentId is { } incident && records.Incident(incident) is { } stored)
            {
                await ExcludeIncidentAsync(stored, key);
            }
            else if (finding.AssetId is { } asset)
            {
                await ExcludeAsync(asset, finding.Time - plant.Correlation.Window, finding.LastTime, finding.IncidentId,
                    string.Create(CultureInfo.InvariantCulture, $"finding {finding.Id}"), key);
            }

            return;
        }

        if (verdict != "false_positive" || finding.AssetId is not { } assetId || !ReasonCodes.TryParse(finding.Reason, out var reason))
        {
            return;
        }

        if (reason == ReasonCode.BaselineDrift)
        {
            var rebaselined = await grains.GetGrain<ITwinGrain>(assetId).RebaselineAsync();
            writes.Record(key, finding.IncidentId, "rebaseline", assetId, rebaselined
                ? string.Create(CultureInfo.InvariantCulture, $"finding {finding.Id} is normal operation: the multivariate model learns the next warm-up window and anchors there: {comment}")
                : string.Create(CultureInfo.InvariantCulture, $"finding {finding.Id}: the asset has no multivariate model to re-baseline"));
            return;
        }

        if (finding.SignalId is { } signalId && Enum.TryParse<Severity>(finding.Severity, ignoreCase: true, out var severity) && DetectorTuning.MayRaise(reason, severity))
        {
            var tuned = DetectorTuning.KeyOf(reason, signalId);
            var (before, after) = tuning.Raise(assetId, tuned);
            writes.Read(s =>
            {
                s.SetThresholdRaise(assetId, tuned, after, key.Actor, comment, finding.Id);
                return 0;
            });
            var what = tuned == DetectorTuning.Multivariate ? "multivariate model threshold" : "streaming detector thresholds";
            writes.Record(key, finding.IncidentId, "raise threshold", $"{assetId}.{tuned}", string.Create(CultureInfo.InvariantCulture,
                $"{what} x{before:0.###} -> x{after:0.###} (at most x{DetectorTuning.BoundOf(tuned):0.#}) from finding {finding.Id} ({finding.Reason}): {comment}"));
        }
    }

    /// <summary>A <c>confirmed_attack</c> verdict on an incident: its assets' states of its time are never learned.</summary>
    public Task ExcludeIncidentAsync(StoredIncident incident, ApiKey key)
    {
        var assets = records.Findings(1000, incident: incident.Id).Select(f => f.AssetId).Append(incident.AssetId).OfType<string>().Distinct(StringComparer.Ordinal);
        var what = string.Create(CultureInfo.InvariantCulture, $"incident {incident.Id}");
        return Task.WhenAll(assets.Select(a => ExcludeAsync(a, incident.Opened - plant.Correlation.Window, incident.Updated, incident.Id, what, key)));
    }

    private async Task ExcludeAsync(string assetId, DateTimeOffset from, DateTimeOffset to, long? incidentId, string what, ApiKey key)
    {
        if (plant.FindAsset(assetId) is null)
        {
            return;
        }

        var forgotten = await grains.GetGrain<ITwinGrain>(assetId).ExcludeFromLearningAsync(from, to);
        writes.Read(s =>
        {
            s.AddLearningExclusion(new LearningExclusion(assetId, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds()), key.Actor, what, incidentId);
            return 0;
        });
        writes.Record(key, incidentId, "exclude from learning", assetId, string.Create(CultureInfo.InvariantCulture,
            $"{what} confirmed as an attack: states from {from:u} to {to:u} are never learned ({forgotten} learned states forgotten)"));
    }
}
