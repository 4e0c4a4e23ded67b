using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Commands;

/// <summary>What <c>twinguard demo</c> runs.</summary>
internal sealed record DemoOptions(TimeSpan Duration, int Seed, IReadOnlyList<string> Attacks, string DataDirectory, PlantModel Plant)
{
    /// <summary>The plant model file, recorded in the ledger.</summary>
    public string? PlantSource { get; init; }
}
