namespace TwinGuard.Twins.Relations;

/// <summary>What a twin relation says about its inputs right now.</summary>
public enum RelationState
{
    /// <summary>Not evaluated: an input has no value yet, is older than the relation's <c>max_age</c> behind the others,
    /// or is quarantined. Unknown is never a violation.</summary>
    Unknown,

    /// <summary>The residual is within the tolerance and shows no persistent shift.</summary>
    Holding,

    /// <summary>The residual exceeds the tolerance.</summary>
    Violated,
}
