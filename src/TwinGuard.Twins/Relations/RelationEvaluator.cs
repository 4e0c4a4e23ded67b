using TwinGuard.Detection.Baselines;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Relations;

/// <summary>
/// Evaluates one twin relation on a stream of accepted values from several assets: aligns them in device time, computes
/// the residual on every new aligned time, keeps it as a signal with its own streaming detector, and says when the
/// relation is violated. No Orleans and no I/O in it: the relation grain hosts it, calibration and tests use it as is.
/// </summary>
/// <remarks>
/// <para><b>Alignment.</b> Each input keeps its last <see cref="History"/> samples (sample-and-hold with history). The
/// relation is evaluated at the times of the input that is furthest behind (the watermark) once every input has reached
/// them; each other input's value at that time is interpolated between its two samples around it (held when it has one
/// exactly then). An input whose newest sample is more than <see cref="RelationModel.MaxAge"/> older than the newest of
/// all makes the relation <see cref="RelationState.Unknown"/>, as does a quarantined input: stale or distrusted data
/// never produces a violation.</para>
/// <para><b>Dynamic relations.</b> <c>der(x)</c> is the difference quotient between two aligned times. The residual is
/// integrated with a leak of time constant <see cref="RelationModel.Window"/>:
/// <c>I ← I·e^(−Δt/W) + r·Δt</c>. Sensor noise on <c>x</c> telescopes in the sum while a model error or a falsified
/// flow accumulates, so the integral is a far better test than the noisy instantaneous derivative.</para>
/// <para><b>Streaming detector.</b> Besides the tolerance, an EWMA baseline learns the residual's normal spread from
/// holding evaluations (it is the band the dashboard draws), and for algebraic relations a two-sided CUSUM of the
/// standardised residual reports a persistent shift that stays below the tolerance (<see cref="RelationEvent.Shifted"/>).
/// </para>
/// <para>Allocation-free per update and per evaluation once constructed.</para>
/// </remarks>
public sealed class RelationEvaluator
{
    /// <summary>Samples kept per input for alignment.</summary>
    public const int History = 64;

    /// <summary>CUSUM allowance on the standardised residual: shifts of more than two standard deviations are chased.</summary>
    /// <remarks>Larger than the per-signal detectors' (the site's <c>cusum_slack</c>): a relation is evaluated on every
    /// sample of every input, hundreds of thousands of times a day, and its residual is not perfectly Gaussian.</remarks>
    public const double CusumSlack = 1.0;

    /// <summary>CUSUM decision interval on the standardised residual (a 3-sigma shift is found in about 6 evaluations;
    /// pure noise essentially never gets there).</summary>
    public const double CusumThreshold = 12.0;

    /// <summary>Evaluations within two standard deviations after which a reported shift may be reported again.</summary>
    public const int QuietToRearm = 20;

    private readonly CompiledRelation _relation;
    private readonly RelationModel _model;
    private readonly int _slots;
    private readonly long[,] _times;
    private readonly double[,] _samples;
    private readonly int[] _head;
    private readonly int[] _count;
    private readonly long[] _received;
    private readonly bool[] _unavailable;
    private readonly double[] _values;
    private readonly double[] _previous;
    private readonly double[] _reference;
    private readonly double[] _counterfactual;
    private readonly double[] _trial;
    private readonly double[] _trialPrevious;
    private readonly double[] _spans;
    private readonly long _maxAgeMs;
    private readonly double _windowSeconds;
    private readonly EwmaBaseline _baseline;
    private readonly CusumDetector _cusum;
    private long _lastTimeMs = long.MinValue;
    private bool _hasPrevious;
    private double _integral;
    private bool _reported;
    private bool _shiftReported;
    private int _quiet;

    /// <summary>Creates the evaluator of one relation.</summary>
    /// <param name="model">The relation (tolerance, window, maximum age, noise).</param>
    /// <param name="relation">Its compiled expression (<see cref="RelationModel.CompileFor"/>).</param>
    /// <param name="detection">Site detection settings: the residual baseline's alpha and warm-up.</param>
    /// <param name="spans">Each input's valid span (max − min), in slot order, to say which input moved most when the
    /// relation breaks; null treats them as equal.</param>
    public RelationEvaluator(RelationModel model, CompiledRelation relation, DetectionSettings detection, IReadOnlyList<double>? spans = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(relation);
        ArgumentNullException.ThrowIfNull(detection);
        _model = model;
        _relation = relation;
        _slots = relation.Slots.Count;
        _times = new long[_slots, History];
        _samples = new double[_slots, History];
        _head = new int[_slots];
        _count = new int[_slots];
        _received = new long[_slots];
        _unavailable = new bool[_slots];
        _values = new double[_slots];
        _previous = new double[_slots];
        _reference = new double[_slots];
        _counterfactual = new double[_slots];
        _trial = new double[_slots];
        _trialPrevious = new double[_slots];
        _spans = spans?.Select(s => s > 0 ? s : 1).ToArray() ?? Enumerable.Repeat(1.0, _slots).ToArray();
        _maxAgeMs = (long)model.MaxAge.TotalMilliseconds;
        _windowSeconds = model.Window.TotalSeconds;
        // The floor of the residual's spread: a twentieth of the tolerance, so that a perfectly quiet residual does not
        // turn its first wobble into a shift; the calibrated noise when there is one.
        _baseline = new EwmaBaseline(detection.EwmaAlpha, detection.WarmUp, model.Noise ?? model.Tolerance / 20);
        _cusum = new CusumDetector(CusumSlack, CusumThreshold);
    }

    /// <summary>The relation.</summary>
    public RelationModel Model => _model;

    /// <summary>The compiled expression.</summary>
    public CompiledRelation Relation => _relation;

    /// <summary>The latest evaluation (state <see cref="RelationState.Unknown"/> before the first).</summary>
    public RelationEvaluation Last { get; private set; }

    /// <summary>Evaluations so far.</summary>
    public long Evaluations { get; private set; }

    /// <summary>Evaluations that found the relation violated.</summary>
    public long Violations { get; private set; }

    /// <summary>Mean of the residual in normal operation (EWMA of holding evaluations).</summary>
    public double ResidualMean => _baseline.Mean;

    /// <summary>Standard deviation of the residual in normal operation.</summary>
    public double ResidualStdDev => _baseline.StdDev;

    /// <summary>The aligned input values of the latest evaluation, in slot order.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>The likeliest culprit of a violation or shift: the first of <see cref="RankCulprits"/>.</summary>
    public int Culprit
    {
        get
        {
            Span<int> ranked = stackalloc int[_slots];
            RankCulprits(ranked);
            return ranked[0];
        }
    }

    /// <summary>
    /// Orders the inputs from likeliest culprit to least likely. First the inputs whose return to their value when the
    /// relation last held quietly would at least halve the residual (for a dynamic relation, the integral the relation
    /// would have with that input held there since), the smallest remaining residual first; then the others, the one
    /// that moved most since then (relative to its span) first.
    /// </summary>
    /// <param name="ranked">Receives the input slots, <see cref="Slots"/> long.</param>
    public void RankCulprits(Span<int> ranked)
    {
        Span<double> remaining = stackalloc double[_slots];
        Span<double> moved = stackalloc double[_slots];
        Span<double> trial = stackalloc double[_slots];
        var residual = Math.Abs(Last.Residual);
        for (var s = 0; s < _slots; s++)
        {
            ranked[s] = s;
            moved[s] = Math.Abs(_values[s] - _reference[s]) / _spans[s];
            remaining[s] = double.PositiveInfinity;
            if (!double.IsFinite(residual))
            {
                continue;
            }

            double r;
            if (_model.IsDynamic)
            {
                r = Math.Abs(_counterfactual[s]);
            }
            else
            {
                _values.CopyTo(trial);
                trial[s] = _reference[s];
                r = Math.Abs(_relation.Residual(trial, trial, 0));
            }

            if (r < residual * 0.5)
            {
                remaining[s] = r;
            }
        }

        // Insertion sort: a relation has a handful of inputs.
        for (var i = 1; i < _slots; i++)
        {
            var slot = ranked[i];
            var j = i - 1;
            while (j >= 0 && Before(slot, ranked[j], remaining, moved))
            {
                ranked[j + 1] = ranked[j];
                j--;
            }

            ranked[j + 1] = slot;
        }
    }

    /// <summary>Input slots of the relation.</summary>
    public int Slots => _slots;

    private static bool Before(int a, int b, ReadOnlySpan<double> remaining, ReadOnlySpan<double> moved) =>
        remaining[a] < remaining[b] || (remaining[a] == remaining[b] && moved[a] > moved[b]);

    /// <summary>Takes one accepted value of an input. Values not newer than that input's last one are ignored.</summary>
    /// <param name="slot">The input.</param>
    /// <param name="timestampMs">Device time of the value.</param>
    /// <param name="value">The value.</param>
    /// <param name="receivedMs">Server time it arrived (for staleness); the device time when omitted (offline use).</param>
    /// <returns>False when the value was ignored.</returns>
    public bool Offer(int slot, long timestampMs, double value, long? receivedMs = null)
    {
        _received[slot] = receivedMs ?? timestampMs;
        if (_count[slot] > 0 && timestampMs <= _times[slot, _head[slot]])
        {
            return false;
        }

        var head = _count[slot] == 0 ? 0 : (_head[slot] + 1) % History;
        _times[slot, head] = timestampMs;
        _samples[slot, head] = value;
        _head[slot] = head;
        _count[slot] = Math.Min(_count[slot] + 1, History);
        return true;
    }

    /// <summary>Marks an input as unusable (quarantined) or usable again; while one is unusable the relation is unknown.</summary>
    public void SetUnavailable(int slot, bool unavailable) => _unavailable[slot] = unavailable;

    /// <summary>Evaluates the relation at every aligned time that all inputs have reached since the last call.</summary>
    /// <param name="nowMs">Server time now, for staleness; the newest device time when omitted (offline use).</param>
    /// <returns>The strongest event of those evaluations; <see cref="Last"/> holds the latest one.</returns>
    /// <remarks>An input that is behind the others is waited for (its twin's batch may still be on its way) until it has
    /// sent nothing for <see cref="RelationModel.MaxAge"/> of server time: then the relation is unknown.</remarks>
    public RelationEvent Evaluate(long? nowMs = null)
    {
        var strongest = RelationEvent.None;
        long newest = long.MinValue, watermark = long.MaxValue, newestReceived = long.MinValue;
        var behind = -1;
        for (var s = 0; s < _slots; s++)
        {
            if (_count[s] == 0 || _unavailable[s])
            {
                MarkUnknown(_count[s] == 0 ? _lastTimeMs : _times[s, _head[s]]);
                return RelationEvent.None;
            }

            var latest = _times[s, _head[s]];
            newest = Math.Max(newest, latest);
            newestReceived = Math.Max(newestReceived, _received[s]);
            if (latest < watermark)
            {
                (watermark, behind) = (latest, s);
            }
        }

        if (watermark <= _lastTimeMs)
        {
            // Waiting for the input that is behind: unknown once it has been silent too long.
            if ((nowMs ?? newestReceived) - _received[behind] > _maxAgeMs && newest - watermark > _maxAgeMs)
            {
                MarkUnknown(newest);
            }

            return RelationEvent.None;
        }

        // Every sample time of the input that is furthest behind, since the last evaluation, oldest first.
        var n = _count[behind];
        for (var k = n - 1; k >= 0; k--)
        {
            var index = (_head[behind] - k + History) % History;
            var t = _times[behind, index];
            if (t <= _lastTimeMs)
            {
                continue;
            }

            var found = EvaluateAt(t);
            if (found > strongest)
            {
                strongest = found;
            }
        }

        return strongest;
    }

    private RelationEvent EvaluateAt(long timeMs)
    {
        for (var s = 0; s < _slots; s++)
        {
            if (!ValueAt(s, timeMs, out _values[s]))
            {
                // A gap longer than the maximum age in one input (or a history too short to reach back this far): no
                // value to trust at this time, and no derivative across it.
                _lastTimeMs = timeMs;
                MarkUnknown(timeMs);
                return RelationEvent.None;
            }
        }

        double residual, measured;
        var dt = _hasPrevious ? (timeMs - _lastTimeMs) / 1000.0 : 0;
        if (_model.IsDynamic)
        {
            if (!_hasPrevious || dt <= 0 || dt * 1000 > _maxAgeMs)
            {
                Remember(timeMs);
                _integral = 0;
                Array.Clear(_counterfactual);
                Last = Last with { TimeMs = timeMs, State = RelationState.Unknown, Residual = double.NaN };
                return RelationEvent.None;
            }

            var rate = _relation.Residual(_values, _previous, dt);
            var decay = Math.Exp(-dt / _windowSeconds);
            _integral = (_integral * decay) + (rate * dt);
            UpdateCounterfactuals(decay, dt);
            residual = _integral;
            var x = _relation.LeftDerivativeSlot;
            measured = x >= 0 ? _values[x] : _relation.EvaluateLeft(_values, _previous, dt);
        }
        else
        {
            residual = _relation.Residual(_values, _values, 0);
            measured = _relation.EvaluateLeft(_values, _values, 0);
        }

        Remember(timeMs);
        Evaluations++;
        if (!double.IsFinite(residual))
        {
            // A division by an input at zero, say: not evidence of anything.
            Last = new RelationEvaluation(timeMs, RelationState.Unknown, double.NaN, measured, double.NaN, 0);
            return RelationEvent.None;
        }

        var z = _baseline.IsWarm ? (residual - _baseline.Mean) / _baseline.StdDev : 0;
        var violated = Math.Abs(residual) > _model.Tolerance;
        var found = RelationEvent.None;
        if (violated)
        {
            Violations++;
            if (!_reported)
            {
                found = RelationEvent.Violated;
                _reported = true;
            }
        }
        else
        {
            _reported = false;
            _quiet = Math.Abs(z) < 2 ? _quiet + 1 : 0;
            if (_shiftReported && _quiet >= QuietToRearm)
            {
                _shiftReported = false;
            }

            if (!_model.IsDynamic && _baseline.IsWarm && _cusum.Update(z) != 0)
            {
                // One report per shift: while the residual stays off-centre the CUSUM keeps re-firing; it is reported
                // again only after the residual has been quiet for a while.
                if (!_shiftReported)
                {
                    found = RelationEvent.Shifted;
                    _shiftReported = true;
                }
            }
            else if (!_shiftReported)
            {
                // Only what holds without a shift teaches the baseline, so an attack cannot widen the band it is judged by.
                _baseline.Learn(residual);
                if (_model.IsDynamic ? Math.Abs(residual) < _model.Tolerance / 3 : _cusum.Level < 0.25 && Math.Abs(z) < 3)
                {
                    // The reference a culprit is judged against: the last quiet state, from before any slow drift began.
                    Array.Copy(_values, _reference, _slots);
                    Array.Fill(_counterfactual, _integral);
                }
            }
        }

        Last = new RelationEvaluation(timeMs, violated ? RelationState.Violated : RelationState.Holding, residual, measured, measured - residual, z);
        return found;
    }

    /// <summary>Lets the next violation be reported again even if the relation has not held in between (a repeat).</summary>
    public void Rearm() => _reported = false;

    /// <summary>Advances, for each input, the integral the relation would have had with that input held at its reference
    /// value (a few hundred nanoseconds per input; only dynamic relations keep them).</summary>
    private void UpdateCounterfactuals(double decay, double dt)
    {
        for (var s = 0; s < _slots; s++)
        {
            Array.Copy(_values, _trial, _slots);
            Array.Copy(_previous, _trialPrevious, _slots);
            _trial[s] = _reference[s];
            _trialPrevious[s] = _reference[s];
            var rate = _relation.Residual(_trial, _trialPrevious, dt);
            _counterfactual[s] = (_counterfactual[s] * decay) + (double.IsFinite(rate) ? rate * dt : 0);
        }
    }

    private void Remember(long timeMs)
    {
        Array.Copy(_values, _previous, _slots);
        _lastTimeMs = timeMs;
        _hasPrevious = true;
    }

    private void MarkUnknown(long timeMs)
    {
        _hasPrevious = false;
        _integral = 0;
        Array.Clear(_counterfactual);
        _reported = false;
        Last = new RelationEvaluation(Math.Max(timeMs, 0), RelationState.Unknown, double.NaN, double.NaN, double.NaN, 0);
    }

    private bool ValueAt(int slot, long timeMs, out double value)
    {
        // Newest first: find the newest sample at or before timeMs, and the one after it.
        var n = _count[slot];
        var head = _head[slot];
        for (var k = 0; k < n; k++)
        {
            var i = (head - k + History) % History;
            var t = _times[slot, i];
            if (t > timeMs)
            {
                continue;
            }

            if (t == timeMs || k == 0)
            {
                value = _samples[slot, i];
                return true;
            }

            var j = (i + 1) % History;
            var t1 = _times[slot, j];
            if (t1 - t > _maxAgeMs)
            {
                break;
            }

            value = _samples[slot, i] + ((_samples[slot, j] - _samples[slot, i]) * (timeMs - t) / (t1 - t));
            return true;
        }

        value = double.NaN;
        return false;
    }
}
