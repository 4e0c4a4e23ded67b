namespace TwinGuard.Twins.Relations;

/// <summary>What an evaluation step of a <see cref="RelationEvaluator"/> found, strongest first.</summary>
public enum RelationEvent
{
    /// <summary>Nothing to report (holding, unknown, or still violated after an earlier report).</summary>
    None,

    /// <summary>The residual crossed the tolerance: the relation is violated.</summary>
    Violated,

    /// <summary>The residual stays within the tolerance but has shifted persistently to one side (CUSUM of the residual,
    /// algebraic relations): a bias or a slow drift below the tolerance.</summary>
    Shifted,
}
