namespace TwinGuard.Twins.Plant;

/// <summary>
/// A correlation rule as data: a finding that meets <see cref="First"/>, then one in the same scope that meets
/// <see cref="Then"/> within <see cref="Within"/>, open an incident at once, whatever their severities (e.g. an IDS
/// alert, then the process misbehaving).
/// </summary>
/// <param name="Id">The rule's name, which incidents it opens carry.</param>
/// <param name="First">The precursor.</param>
/// <param name="Then">What must follow it.</param>
/// <param name="Within">How long after the precursor.</param>
public sealed record SequenceRule(string Id, FindingCondition First, FindingCondition Then, TimeSpan Within);
