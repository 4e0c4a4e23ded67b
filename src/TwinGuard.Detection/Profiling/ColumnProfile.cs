namespace TwinGuard.Detection.Profiling;

/// <summary>What the training window says about one input column, and how the features treat it.</summary>
/// <param name="Kind">Constant, discrete, drifting or continuous.</param>
/// <param name="LevelFree">True when the column's value and rolling mean are left out (drift, or the user said so).</param>
/// <param name="Period">A dominant period in rows (seasonal difference x(t) − x(t − period) added), or 0.</param>
/// <param name="TrendShare">Share of the training variance explained by a straight line through time (R²).</param>
/// <param name="Smoothness">Von Neumann ratio: mean squared successive difference over the variance (2 for white noise).</param>
/// <param name="PeriodStrength">Autocorrelation at <paramref name="Period"/> (0 when none).</param>
/// <param name="DistinctValues">Distinct values seen in training (counted up to a bound).</param>
/// <param name="Overridden">True when the user's options, not the data, decided <paramref name="LevelFree"/> or <paramref name="Period"/>.</param>
/// <param name="TrendPersistence">
/// The trend's slope over the second half of the window divided by its slope over the whole window: about 1 while a
/// trend goes on, about 0 once it has settled (a start-up transient); a trend counts as drift only when this is at
/// least <see cref="ColumnProfilerOptions.DriftTrendPersistence"/>.
/// </param>
/// <param name="PlateauShare">
/// Of a column the level-drift rules call drifting: the share of its variance left within the plateaus between its
/// level shifts (1 without a shift); below <see cref="ColumnProfilerOptions.MaxPlateauShare"/>, with at least
/// <see cref="ColumnProfilerOptions.MinPlateaus"/> plateaus, its level moved by operating changes, not drift.
/// </param>
/// <param name="Plateaus">The plateaus between level shifts (1 without a shift, or for a column not judged).</param>
public sealed record ColumnProfile(
    ColumnKind Kind,
    bool LevelFree,
    int Period,
    double TrendShare,
    double Smoothness,
    double PeriodStrength,
    int DistinctValues,
    bool Overridden,
    double TrendPersistence,
    double PlateauShare = 1,
    int Plateaus = 1);
