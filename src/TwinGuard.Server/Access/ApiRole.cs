namespace TwinGuard.Server.Access;

/// <summary>What an API key may do. Ordered: each role may do everything the roles below it may.</summary>
internal enum ApiRole
{
    /// <summary>Reads everything: plant state, findings, incidents, quarantines, the ledger, metrics.</summary>
    Viewer,

    /// <summary>Also decides: approves or denies pending actions, releases quarantines, gives verdicts, writes notes.</summary>
    Operator,

    /// <summary>Also administers: manages API keys and quarantines by hand.</summary>
    Admin,
}
