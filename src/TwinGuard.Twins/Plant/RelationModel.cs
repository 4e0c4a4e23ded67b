namespace TwinGuard.Twins.Plant;

/// <summary>A relation that the physics must obey between signals, e.g. <c>pump1.flow ~ 0.8 * pump1.speed</c>.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Kind"><c>algebraic</c> or <c>dynamic</c> (uses <c>der(...)</c>).</param>
/// <param name="Expression">The relation as written in the plant model.</param>
/// <param name="Tolerance">Largest credible residual, in the unit of the left-hand side.</param>
/// <param name="Signals">The <c>asset.signal</c> references the expression uses, checked against the model at load.</param>
public sealed record RelationModel(string Id, string Kind, string Expression, double Tolerance, IReadOnlyList<string> Signals);
