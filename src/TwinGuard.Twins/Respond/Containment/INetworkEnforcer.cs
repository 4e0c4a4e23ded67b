namespace TwinGuard.Twins.Respond;

/// <summary>Blocks network addresses; the dry-run enforcer only records the rules, <see cref="NftablesEnforcer"/> applies them.</summary>
public interface INetworkEnforcer
{
    /// <summary>Puts TwinGuard's table in place with exactly these addresses blocked (at start and after a restart).</summary>
    Task InitializeAsync(IReadOnlyCollection<string> blocked, CancellationToken cancellationToken);

    /// <summary>Blocks an address or network; idempotent. Returns the rule as applied (or as it would be).</summary>
    Task<string> BlockAsync(string address, CancellationToken cancellationToken);

    /// <summary>Lifts a block; idempotent. Returns the rule as applied (or as it would be).</summary>
    Task<string> UnblockAsync(string address, CancellationToken cancellationToken);
}
