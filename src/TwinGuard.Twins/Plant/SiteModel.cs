namespace TwinGuard.Twins.Plant;

/// <summary>The site: its identity and where its readings arrive.</summary>
/// <param name="Id">Short identifier used in topics, reports and the ledger.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="TopicPrefix">Readings arrive on <c>{prefix}/{asset}</c> or <c>{prefix}/{asset}/{signal}</c>.</param>
public sealed record SiteModel(string Id, string Name, string TopicPrefix);
