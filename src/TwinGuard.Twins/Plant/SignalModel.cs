namespace TwinGuard.Twins.Plant;

/// <summary>One measured quantity of an asset and the limits its values must respect.</summary>
/// <param name="Id">Identifier, unique within the asset.</param>
/// <param name="Unit">Unit of measure, e.g. <c>l/min</c>.</param>
/// <param name="Min">Lowest physically valid value.</param>
/// <param name="Max">Highest physically valid value.</param>
/// <param name="MaxRatePerSecond">Largest credible change per second; a faster change is refused. Infinite for a set-point that gives none.</param>
/// <param name="Period">Expected time between samples; used for staleness and flooding.</param>
/// <param name="Criticality">How much a problem with this signal matters.</param>
public sealed record SignalModel(
    string Id,
    string Unit,
    double Min,
    double Max,
    double MaxRatePerSecond,
    TimeSpan Period,
    Criticality Criticality)
{
    /// <summary>A measurement (the default) or a set-point, which skips the frozen, rate and streaming checks.</summary>
    public SignalKind Kind { get; init; }

    /// <summary>The operating limits of normal operation, inside the valid range; null when the plant model gives none.</summary>
    public OperatingBand? Operating { get; init; }
}
