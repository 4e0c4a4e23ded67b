namespace TwinGuard.Server.Api;

/// <summary>A site and how many of its assets are in each state.</summary>
/// <param name="Id">Site id.</param>
/// <param name="Name">Display name.</param>
/// <param name="TopicPrefix">Where its readings arrive (MQTT).</param>
/// <param name="Assets">Number of assets.</param>
/// <param name="Normal">Assets whose twins trust their data.</param>
/// <param name="Suspect">Assets with suspect signals or a recent incident.</param>
/// <param name="Quarantined">Assets held by a quarantine (the asset, one of its signals, its source, or its twin made read-only).</param>
internal sealed record SiteView(string Id, string Name, string TopicPrefix, int Assets, int Normal, int Suspect, int Quarantined);
