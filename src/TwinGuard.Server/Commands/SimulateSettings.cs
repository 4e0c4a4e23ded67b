using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Commands;

/// <summary>What every scenario of one <c>twinguard simulate</c> invocation shares.</summary>
/// <param name="Plant">The plant model (with its relations; a run without relations drops them).</param>
/// <param name="PlantSource">The plant model file, recorded in each run's ledger.</param>
/// <param name="Playbooks">The playbooks' text, or null to run without a response.</param>
/// <param name="PlaybooksSource">The playbooks file, recorded in each run's ledger.</param>
/// <param name="Seed">Seed of the plant and the attack.</param>
internal sealed record SimulateSettings(PlantModel Plant, string? PlantSource, string? Playbooks, string? PlaybooksSource, int Seed)
{
    /// <summary>Keep each run's data directory (SQLite, ledger) instead of deleting it.</summary>
    public bool KeepData { get; init; }

    /// <summary>Suppressions in force for every run (<c>--suppress</c>), as analysts' verdicts would make them.</summary>
    public IReadOnlyList<SimulatedSuppression> Suppressions { get; init; } = [];
}
