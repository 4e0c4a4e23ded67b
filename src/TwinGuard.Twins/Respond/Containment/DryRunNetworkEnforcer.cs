using System.Collections.Concurrent;

namespace TwinGuard.Twins.Respond;

/// <summary>The default network enforcer: records the nftables rules it would apply and applies nothing.</summary>
/// <remarks>The rules are in the action records (and so in reports and the ledger) for an operator to apply or review.</remarks>
public sealed class DryRunNetworkEnforcer(string table) : INetworkEnforcer
{
    private readonly ConcurrentQueue<string> _rules = new();

    /// <summary>Every command it would have run, in order.</summary>
    public IReadOnlyCollection<string> Rules => _rules;

    /// <inheritdoc />
    public Task InitializeAsync(IReadOnlyCollection<string> blocked, CancellationToken cancellationToken)
    {
        _rules.Enqueue(NftRules.Table(table, blocked));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<string> BlockAsync(string address, CancellationToken cancellationToken) => Remember(NftRules.Block(table, address));

    /// <inheritdoc />
    public Task<string> UnblockAsync(string address, CancellationToken cancellationToken) => Remember(NftRules.Unblock(table, address));

    private Task<string> Remember(string rule)
    {
        _rules.Enqueue(rule);
        return Task.FromResult("dry-run: " + rule);
    }
}
