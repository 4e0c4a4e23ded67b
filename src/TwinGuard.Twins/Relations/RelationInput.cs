namespace TwinGuard.Twins.Relations;

/// <summary>One accepted value that a twin sends to a relation grain.</summary>
/// <param name="Slot">The relation's input it fills (<see cref="CompiledRelation.Slots"/> order).</param>
/// <param name="TimestampMs">Device time of the value (epoch milliseconds).</param>
/// <param name="Value">The value, which passed validation.</param>
/// <param name="DeviceId">The device that sent it (named in a violation finding).</param>
[GenerateSerializer, Immutable, Alias("twinguard.relation-input")]
public readonly record struct RelationInput(
    [property: Id(0)] int Slot,
    [property: Id(1)] long TimestampMs,
    [property: Id(2)] double Value,
    [property: Id(3)] string DeviceId);
