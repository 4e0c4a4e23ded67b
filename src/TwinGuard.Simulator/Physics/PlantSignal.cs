namespace TwinGuard.Simulator.Physics;

/// <summary>One signal of the sample plant as the simulator measures it.</summary>
/// <param name="AssetId">The asset, as in <c>samples/plant.yaml</c>.</param>
/// <param name="SignalId">The signal within the asset.</param>
/// <param name="Unit">Engineering unit.</param>
/// <param name="Min">Lower end of the valid range.</param>
/// <param name="Max">Upper end of the valid range.</param>
/// <param name="MaxRate">Largest valid rate of change, per second.</param>
/// <param name="NoiseStdDev">Standard deviation of the sensor noise the simulator adds.</param>
/// <param name="Resolution">The sensor's resolution: published values are multiples of it.</param>
/// <remarks>Range and rate mirror <c>samples/plant.yaml</c>; a test parses the file and holds them equal.</remarks>
public sealed record PlantSignal(
    string AssetId,
    string SignalId,
    string Unit,
    double Min,
    double Max,
    double MaxRate,
    double NoiseStdDev,
    double Resolution)
{
    /// <summary>Width of the valid range.</summary>
    public double Span => Max - Min;

    /// <summary>Clamps a value into the valid range and rounds it to the sensor's resolution.</summary>
    public double Quantize(double value)
    {
        var clamped = Math.Clamp(value, Min, Max);
        var steps = Math.Round(clamped / Resolution, MidpointRounding.AwayFromZero);
        // Round again after the multiplication so that 0.1-style resolutions print without binary residue.
        return Math.Clamp(Math.Round(steps * Resolution, 6), Min, Max);
    }

    /// <inheritdoc/>
    public override string ToString() => AssetId + "." + SignalId;
}
