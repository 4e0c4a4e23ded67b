using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Validate;

/// <summary>
/// Cheap, explainable checks of one asset's readings against its plant model: timestamp skew, sequence (duplicates
/// and replays), range, rate of change, frozen values, operating limits and staleness.
/// </summary>
/// <remarks>
/// Pure logic over <see cref="SignalState"/>: no I/O, no clock of its own (the caller passes server time), so every rule
/// is tested directly. Refusal rules return a <see cref="ReasonCode"/>; flagging rules (frozen, stale) raise a finding
/// but let the value through, since a frozen sensor repeats the last-known-good value anyway.
/// </remarks>
/// <param name="asset">The asset whose readings it checks.</param>
/// <param name="settings">The plant model's validation settings.</param>
/// <param name="last">The last boot and sequence accepted from each device before this validator (a restart); none when null.</param>
internal sealed class ReadingValidator(AssetModel asset, ValidationSettings settings, IReadOnlyDictionary<string, (long Boot, long Sequence)>? last = null)
{
    private readonly Dictionary<string, (long Boot, long Sequence)> _last = last is null
        ? new(StringComparer.Ordinal)
        : new(last, StringComparer.Ordinal);

    /// <summary>The last boot and sequence accepted from each device, for the twin's persisted state.</summary>
    public IEnumerable<(string DeviceId, long Boot, long Sequence)> LastAccepted => _last.Select(p => (p.Key, p.Value.Boot, p.Value.Sequence));

    /// <summary>Takes over a device's last accepted boot and sequence (a twin re-activated elsewhere or after a restart):
    /// a message recorded before the re-activation is still refused as a replay. The later of these numbers and those
    /// the validator already holds (the node's own sequence store) is kept.</summary>
    public void RestoreAccepted(string deviceId, long boot, long sequence)
    {
        if (!_last.TryGetValue(deviceId, out var held) || boot > held.Boot || (boot == held.Boot && sequence > held.Sequence))
        {
            _last[deviceId] = (boot, sequence);
        }
    }

    /// <summary>Message-level checks: skew, then boot and sequence. Null when the message may proceed.</summary>
    /// <remarks>
    /// A device's <c>seq</c> must grow within one boot; a higher <c>boot</c> (the device restarted) lets it start again,
    /// a lower one is a message recorded before a restart and is refused like any other replay.
    /// </remarks>
    public (ReasonCode Reason, string Detail)? CheckMessage(string deviceId, long boot, long sequence, long timestampMs, long nowMs)
    {
        var ahead = timestampMs - nowMs;
        if (ahead > settings.MaxFutureSkew.TotalMilliseconds)
        {
            return (ReasonCode.FutureTimestamp, $"timestamp is {ahead} ms ahead of the server clock (limit {settings.MaxFutureSkew.TotalMilliseconds} ms)");
        }

        if (-ahead > settings.MaxPastSkew.TotalMilliseconds)
        {
            return (ReasonCode.PastTimestamp, $"timestamp is {-ahead} ms behind the server clock (limit {settings.MaxPastSkew.TotalMilliseconds} ms)");
        }

        if (_last.TryGetValue(deviceId, out var last))
        {
            if (boot < last.Boot)
            {
                return (ReasonCode.ReplayedSequence, $"boot {boot} from '{deviceId}' is before its current boot {last.Boot}: a message from before a restart, replayed");
            }

            if (boot == last.Boot && sequence <= last.Sequence)
            {
                return (ReasonCode.ReplayedSequence, $"sequence {sequence} from '{deviceId}' is not after {last.Sequence}: duplicate or replay");
            }
        }

        _last[deviceId] = (boot, sequence);
        return null;
    }

    /// <summary>Value-level refusal checks: range and rate of change. Null when the value may be trusted.</summary>
    public (ReasonCode Reason, string Detail)? CheckValue(int signalIndex, ref SignalState state, double value, long timestampMs)
    {
        var signal = asset.Signals[signalIndex];
        if (value < signal.Min || value > signal.Max)
        {
            return (ReasonCode.OutOfRange, $"{asset.Id}.{signal.Id} = {value:G6} {signal.Unit} is outside [{signal.Min:G6}, {signal.Max:G6}]");
        }

        if (state.HasValue)
        {
            // Measure the rate against the last trusted value and its time: after refusals, more change is allowed,
            // so that a real step that the model found too fast is accepted once enough time has passed.
            var seconds = Math.Max((timestampMs - state.ValueTimeMs) / 1000.0, signal.Period.TotalSeconds);
            var rate = Math.Abs(value - state.Value) / seconds;
            if (rate > signal.MaxRatePerSecond)
            {
                return (ReasonCode.RateOfChange, $"{asset.Id}.{signal.Id} changed {rate:G4} {signal.Unit}/s, more than {signal.MaxRatePerSecond:G4}");
            }
        }

        return null;
    }

    /// <summary>Counts repeats; returns a detail line the first time the signal counts as frozen.</summary>
    public string? CheckFrozen(int signalIndex, ref SignalState state, double value)
    {
        if (state.Repeats > 0 && value.Equals(state.LastRaw))
        {
            state.Repeats++;
        }
        else
        {
            state.Repeats = 1;
            state.FrozenRaised = false;
        }

        state.LastRaw = value;
        if (state.Repeats >= settings.FrozenSamples && !state.FrozenRaised)
        {
            state.FrozenRaised = true;
            var signal = asset.Signals[signalIndex];
            return $"{asset.Id}.{signal.Id} repeated exactly {value:G6} for {state.Repeats} samples";
        }

        return null;
    }

    /// <summary>
    /// Follows a trusted value against its signal's operating band; returns a detail line once per excursion, when the
    /// value has stayed outside for the band's delay (device time). The excursion ends when the value has been back
    /// inside for as long, so noise around a limit is one excursion, not a finding per crossing.
    /// </summary>
    public string? CheckOperating(int signalIndex, ref SignalState state, double value, long timestampMs)
    {
        var signal = asset.Signals[signalIndex];
        if (signal.Operating is not { } band)
        {
            return null;
        }

        var delayMs = (long)band.Delay.TotalMilliseconds;
        if (band.Contains(value))
        {
            state.OutsideBandSinceMs = 0;
            if (state.BandRaised)
            {
                state.InsideBandSinceMs = state.InsideBandSinceMs == 0 ? timestampMs : state.InsideBandSinceMs;
                state.BandRaised = timestampMs - state.InsideBandSinceMs < delayMs;
            }

            return null;
        }

        state.InsideBandSinceMs = 0;
        state.OutsideBandSinceMs = state.OutsideBandSinceMs == 0 ? timestampMs : state.OutsideBandSinceMs;
        var outside = timestampMs - state.OutsideBandSinceMs;
        if (state.BandRaised || outside < delayMs)
        {
            return null;
        }

        state.BandRaised = true;
        var side = band.Low is { } low && value < low ? $"below its low limit {low:G6}" : $"above its high limit {band.High:G6}";
        return $"{asset.Id}.{signal.Id} = {value:G6} {signal.Unit} has been {side} for {outside / 1000.0:G4} s (operating band {band}, valid range [{signal.Min:G6}, {signal.Max:G6}])";
    }

    /// <summary>
    /// Returns a detail line the first time a signal goes quiet for longer than three periods and a second, counted from
    /// its last reading or from <paramref name="resumedMs"/> (when the checks resumed after this process was held up),
    /// whichever is later.
    /// </summary>
    public string? CheckStale(int signalIndex, ref SignalState state, long nowMs, long resumedMs = 0)
    {
        if (state.LastSeenMs == 0 || state.StaleRaised)
        {
            return null;
        }

        var signal = asset.Signals[signalIndex];
        var silence = nowMs - state.LastSeenMs;
        if (nowMs - Math.Max(state.LastSeenMs, resumedMs) <= 3 * signal.Period.TotalMilliseconds + 1000)
        {
            return null;
        }

        state.StaleRaised = true;
        return $"{asset.Id}.{signal.Id} has not arrived for {silence} ms (expected every {signal.Period.TotalMilliseconds} ms)";
    }
}
