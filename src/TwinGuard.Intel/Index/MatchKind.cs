namespace TwinGuard.Intel.Index;

/// <summary>How a looked-up value met an indicator.</summary>
public enum MatchKind
{
    /// <summary>The value equals the indicator.</summary>
    Exact,

    /// <summary>The address lies inside the indicator's CIDR network.</summary>
    Network,

    /// <summary>The host name is below the indicator's domain.</summary>
    Subdomain,
}
