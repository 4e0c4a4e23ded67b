namespace TwinGuard.Ingest.OpcUa.SecureChannel;

/// <summary>The token the server issued for a secure channel (OPC 10000-4 §5.5.2.2, ChannelSecurityToken).</summary>
/// <param name="ChannelId">The channel's id.</param>
/// <param name="TokenId">The token's id, carried by every symmetric message.</param>
/// <param name="CreatedAt">When the server created it.</param>
/// <param name="Lifetime">How long it stays valid; the client renews at 75 % of it (§5.5.2.1).</param>
public sealed record ChannelSecurityToken(uint ChannelId, uint TokenId, DateTimeOffset? CreatedAt, TimeSpan Lifetime);
