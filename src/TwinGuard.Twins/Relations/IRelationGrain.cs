using Orleans.Concurrency;

namespace TwinGuard.Twins.Relations;

/// <summary>The grain that evaluates one twin relation of the plant model, keyed by the relation's id.</summary>
/// <remarks>
/// The twins of the assets a relation reads send it their accepted values with one one-way call per ingested batch;
/// ingestion never waits for the evaluation. On an Orleans cluster the relation grain lives wherever the runtime
/// places it, like the twins. See docs/relations.md.
/// </remarks>
[Alias("twinguard.relation")]
public interface IRelationGrain : IGrainWithStringKey
{
    /// <summary>Takes accepted values of the relation's inputs and evaluates the relation at every newly aligned time.</summary>
    [OneWay, Alias("update")]
    Task UpdateAsync(RelationInput[] inputs);

    /// <summary>
    /// What the relation says of its inputs just now (<see cref="RelationEvaluator.Testimony"/>): asked by a violated
    /// relation that shares an input before it blames one. Interleaves, so two relations that ask each other at the same
    /// moment never wait for each other.
    /// </summary>
    [AlwaysInterleave, Alias("testimony")]
    Task<Testimony> TestifyAsync();

    /// <summary>The relation's latest evaluation: state, residual, expected value and the band of normal residuals.</summary>
    [Alias("snapshot")]
    Task<RelationSnapshot> GetSnapshotAsync();
}
