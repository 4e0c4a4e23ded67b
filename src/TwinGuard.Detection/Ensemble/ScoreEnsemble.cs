namespace TwinGuard.Detection.Ensemble;

/// <summary>Fuses several detectors: each member's score is standardised on the training rows, then averaged (or the highest taken, <see cref="ScoreFusion.Max"/>).</summary>
/// <remarks>
/// Scores of different detectors are not on one scale (an isolation score of 0.6 is high, a PCA score of 0.6 is not),
/// so each member's logit is turned into a z-score with the mean and deviation of its training scores; the fused score
/// is the logistic of the mean z-score (or of the highest). The explanation is the members' normalised contributions, weighted by how far
/// each member's z-score is above zero.
/// </remarks>
public sealed class ScoreEnsemble : IAnomalyDetector, Sequence.ISequenceDetector
{
    private readonly IAnomalyDetector[] _members;
    private double[] _mean = [];
    private double[] _scale = [];

    /// <summary>Creates an ensemble of <paramref name="members"/> (unfitted; <see cref="Fit"/> fits them all).</summary>
    public ScoreEnsemble(IReadOnlyList<IAnomalyDetector> members, ScoreFusion fusion = ScoreFusion.Mean)
    {
        Fusion = fusion;
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
        {
            throw new ArgumentException("an ensemble needs at least one member", nameof(members));
        }

        _members = [.. members];
    }

    /// <inheritdoc />
    public string Name => "ensemble(" + string.Join("+", _members.Select(m => m.Name)) + ")";

    /// <summary>How the members' z-scores are combined.</summary>
    public ScoreFusion Fusion { get; }

    /// <summary>The fused detectors.</summary>
    public IReadOnlyList<IAnomalyDetector> Members => _members;

    /// <inheritdoc />
    /// <remarks>Passed on to every member that reads a window of lagged values.</remarks>
    public Features.LagWindow? Window
    {
        get;
        set
        {
            field = value;
            foreach (var member in _members.OfType<Sequence.ISequenceDetector>())
            {
                member.Window = value;
            }
        }
    }

    /// <inheritdoc />
    public int FeatureCount { get; private set; }

    /// <inheritdoc />
    public bool IsFitted => FeatureCount > 0;

    /// <inheritdoc />
    public void Fit(FeatureMatrix training)
    {
        ArgumentNullException.ThrowIfNull(training);
        _mean = new double[_members.Length];
        _scale = new double[_members.Length];
        var scores = new double[training.Rows];
        for (var m = 0; m < _members.Length; m++)
        {
            _members[m].FitAndScore(training, scores);
            var logits = scores.Select(Logit).ToArray();
            var mean = logits.Average();
            var sd = Math.Sqrt(logits.Sum(l => (l - mean) * (l - mean)) / Math.Max(1, logits.Length - 1));
            _mean[m] = mean;
            _scale[m] = sd > 1e-9 ? sd : 1.0;
        }

        FeatureCount = training.Columns;
    }

    /// <inheritdoc />
    public void Score(FeatureMatrix rows, Span<double> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        EnsureFitted();
        var fused = new double[rows.Rows];
        if (Fusion == ScoreFusion.Max)
        {
            Array.Fill(fused, double.NegativeInfinity);
        }

        var memberScores = new double[rows.Rows];
        foreach (var (member, m) in _members.Select((d, i) => (d, i)))
        {
            member.Score(rows, memberScores);
            for (var i = 0; i < rows.Rows; i++)
            {
                fused[i] = Combine(fused[i], Standardised(m, memberScores[i]));
            }
        }

        for (var i = 0; i < rows.Rows; i++)
        {
            scores[i] = Logistic(fused[i]);
        }
    }

    /// <inheritdoc />
    public double Score(ReadOnlySpan<double> row)
    {
        EnsureFitted();
        var fused = Fusion == ScoreFusion.Max ? double.NegativeInfinity : 0.0;
        for (var m = 0; m < _members.Length; m++)
        {
            fused = Combine(fused, Standardised(m, _members[m].Score(row)));
        }

        return Logistic(fused);
    }

    /// <inheritdoc />
    public void Explain(ReadOnlySpan<double> row, Span<double> contributions)
    {
        EnsureFitted();
        contributions[..FeatureCount].Clear();
        Span<double> part = stackalloc double[FeatureCount];
        for (var m = 0; m < _members.Length; m++)
        {
            var weight = Math.Max(0, Standardised(m, _members[m].Score(row)));
            _members[m].Explain(row, part);
            var total = 0.0;
            foreach (var p in part)
            {
                total += p;
            }

            if (total <= 0 || weight <= 0)
            {
                continue;
            }

            for (var f = 0; f < FeatureCount; f++)
            {
                contributions[f] += weight * part[f] / total;
            }
        }
    }

    /// <summary>Adds one member's z-score to the fusion so far (one routine for batch and single rows).</summary>
    private double Combine(double fused, double z) =>
        Fusion == ScoreFusion.Max ? Math.Max(fused, z) : fused + (z / _members.Length);

    private double Standardised(int member, double score) => (Logit(score) - _mean[member]) / _scale[member];

    private static double Logit(double p)
    {
        var clipped = Math.Clamp(p, 1e-12, 1 - 1e-12);
        return Math.Log(clipped / (1 - clipped));
    }

    private static double Logistic(double z) => 1.0 / (1.0 + Math.Exp(-z));

    private void EnsureFitted()
    {
        if (!IsFitted)
        {
            throw new InvalidOperationException("the ensemble has not been fitted");
        }
    }
}
