using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Commands;

/// <summary>What <c>twinguard demo</c> runs.</summary>
internal sealed record DemoOptions(TimeSpan Duration, int Seed, IReadOnlyList<string> Attacks, string DataDirectory, PlantModel Plant)
{
    /// <summary>The plant model file, recorded in the ledger.</summary>
    public string? PlantSource { get; init; }

    /// <summary>The playbooks that contain the attacks; none by default (the command loads the sample's).</summary>
    public ResponsePlan Response { get; init; } = ResponsePlan.Empty;

    /// <summary>The playbooks file, recorded in the ledger; null when there is none.</summary>
    public string? PlaybooksSource { get; init; }
}
