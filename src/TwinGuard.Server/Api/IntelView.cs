using TwinGuard.Intel.Feeds;

namespace TwinGuard.Server.Api;

/// <summary>Threat-intelligence status: the feeds and how many indicators are being matched.</summary>
/// <param name="Indicators">Indicators in the index now.</param>
/// <param name="Feeds">Each feed's last refresh.</param>
internal sealed record IntelView(int Indicators, IReadOnlyList<FeedStatus> Feeds);
