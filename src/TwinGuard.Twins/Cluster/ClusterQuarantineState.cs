using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Cluster;

/// <summary>The persisted state of <see cref="ClusterQuarantineGrain"/>: the holds in force and the last changes.</summary>
[GenerateSerializer]
[Alias("twinguard.cluster-quarantine-state.v1")]
internal sealed record ClusterQuarantineState
{
    /// <summary>The version of the last change.</summary>
    [Id(0)]
    public long Version { get; init; }

    /// <summary>Every hold in force (kind is an addition), in the order they were added.</summary>
    [Id(1)]
    public List<QuarantineChange> Holds { get; init; } = [];

    /// <summary>The last changes, oldest first (at most <see cref="ClusterQuarantineGrain.KeptChanges"/>).</summary>
    [Id(2)]
    public List<QuarantineChange> Recent { get; init; } = [];

    /// <summary>True when <paramref name="kind"/> adds a lasting hold.</summary>
    public static bool IsHold(QuarantineChangeKind kind) =>
        kind is QuarantineChangeKind.AddDevice or QuarantineChangeKind.AddAsset or QuarantineChangeKind.AddSignal or QuarantineChangeKind.RevokeCredentials;

    /// <summary>The addition a release lifts.</summary>
    public static QuarantineChangeKind? Lifts(QuarantineChangeKind kind) => kind switch
    {
        QuarantineChangeKind.ReleaseDevice => QuarantineChangeKind.AddDevice,
        QuarantineChangeKind.ReleaseAsset => QuarantineChangeKind.AddAsset,
        QuarantineChangeKind.ReleaseSignal => QuarantineChangeKind.AddSignal,
        QuarantineChangeKind.RestoreCredentials => QuarantineChangeKind.RevokeCredentials,
        _ => null,
    };
}
