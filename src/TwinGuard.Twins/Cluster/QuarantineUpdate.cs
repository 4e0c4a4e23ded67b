namespace TwinGuard.Twins.Cluster;

/// <summary>What a silo learns from <see cref="IClusterQuarantineGrain.WaitForChangesAsync"/>.</summary>
/// <param name="Version">The latest version: ask for changes after it next.</param>
/// <param name="Changes">The changes after the version asked for, in order (empty when none came before the wait ended).</param>
/// <param name="IsSnapshot">
/// True when the changes asked for are no longer kept: <paramref name="Changes"/> then holds every hold in force as an
/// addition (releases in between are lost to a silo that far behind; its own store still has them).
/// </param>
[GenerateSerializer, Immutable, Alias("twinguard.quarantine-update.v1")]
public sealed record QuarantineUpdate(
    [property: Id(0)] long Version,
    [property: Id(1)] QuarantineChange[] Changes,
    [property: Id(2)] bool IsSnapshot);
