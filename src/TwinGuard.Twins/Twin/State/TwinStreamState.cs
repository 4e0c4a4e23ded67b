using TwinGuard.Twins.Validate;

namespace TwinGuard.Twins.Twin;

/// <summary>
/// The small, often written part of a twin's learned state (docs/cluster.md): per-signal validation state and
/// baselines, each device's boot and sequence, the relations' last verdicts and the multivariate model's stream.
/// </summary>
/// <remarks>
/// Written through Orleans grain persistence every <see cref="TwinPersistence.SnapshotEvery"/> while readings arrive and
/// when the twin deactivates: a bounded cost per twin whatever the reading rate. The ids are the stored format: add
/// members with new ids, never renumber. The model's rows are in <see cref="TwinModelState"/>, written only at a fit.
/// </remarks>
[GenerateSerializer]
[Alias("twinguard.twin-stream.v1")]
internal sealed record TwinStreamState
{
    /// <summary>Server time (epoch ms) of the snapshot.</summary>
    [Id(0)]
    public long SavedAtMs { get; init; }

    /// <summary>One per signal of the asset, in the plant model's order.</summary>
    [Id(1)]
    public SignalState[] Signals { get; init; } = [];

    /// <summary>One per signal of the asset, in the plant model's order.</summary>
    [Id(2)]
    public SignalDetectorState[] Detectors { get; init; } = [];

    /// <summary>The last boot and sequence accepted from each device (replay protection across a re-activation).</summary>
    [Id(3)]
    public DeviceSequence[] Devices { get; init; } = [];

    /// <summary>The last state each of the asset's relations reported, in the routes' order.</summary>
    [Id(4)]
    public RelationMemo[] Relations { get; init; } = [];

    /// <summary>The multivariate model's stream; null for an asset of one signal.</summary>
    [Id(5)]
    public MultivariateStream? Multivariate { get; init; }
}
