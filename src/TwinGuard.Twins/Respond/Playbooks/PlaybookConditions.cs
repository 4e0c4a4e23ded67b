namespace TwinGuard.Twins.Respond;

/// <summary>Further conditions, checked against the plant model once a trigger matched.</summary>
/// <param name="DeviceKnown">When set: true requires the incident's source to be a device of the plant model, false requires it not to be.</param>
/// <param name="AssetKinds">The incident's asset must be of one of these kinds (empty: any).</param>
/// <param name="MinCriticality">The incident's asset must have a signal at least this critical.</param>
public sealed record PlaybookConditions(bool? DeviceKnown, IReadOnlyList<string> AssetKinds, Plant.Criticality? MinCriticality)
{
    /// <summary>No conditions.</summary>
    public static PlaybookConditions None { get; } = new(null, [], null);
}
