namespace TwinGuard.Detection.Baselines;

/// <summary>What an <see cref="EwmaBaseline"/> has learned: enough to continue exactly where it was.</summary>
/// <param name="Count">Values learned.</param>
/// <param name="Mean">The weighted mean.</param>
/// <param name="Variance">The weighted variance (before the standard deviation's floor).</param>
public readonly record struct EwmaCheckpoint(long Count, double Mean, double Variance);
