namespace TwinGuard.Twins.Gate;

/// <summary>One value of one signal of an asset, identified by its position in the asset's signal list.</summary>
[GenerateSerializer, Immutable, Alias("twinguard.signal-value")]
public readonly record struct SignalValue([property: Id(0)] int SignalIndex, [property: Id(1)] double Value);
