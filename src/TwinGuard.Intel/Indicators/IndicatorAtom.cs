namespace TwinGuard.Intel.Indicators;

/// <summary>One typed, normalised value, e.g. <c>IPAddress 203.0.113.7</c>.</summary>
/// <param name="Type">What the value is.</param>
/// <param name="Value">The value in canonical form (<see cref="IndicatorValue.TryNormalize"/>).</param>
public sealed record IndicatorAtom(IndicatorType Type, string Value)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Type}:{Value}";
}
