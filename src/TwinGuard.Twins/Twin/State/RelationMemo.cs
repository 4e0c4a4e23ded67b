using TwinGuard.Twins.Relations;

namespace TwinGuard.Twins.Twin;

/// <summary>What a relation last told the twin (the relation grain reports changes only, so the twin must remember it).</summary>
/// <param name="RelationId">The relation.</param>
/// <param name="State">Its state.</param>
/// <param name="Culprit">The signal of this asset it blames, empty for another asset's, null for none.</param>
[GenerateSerializer]
[Alias("twinguard.relation-memo.v1")]
internal sealed record RelationMemo([property: Id(0)] string RelationId, [property: Id(1)] RelationState State, [property: Id(2)] string? Culprit);
