using TwinGuard.Intel.Index;

namespace TwinGuard.Intel.Correlation;

/// <summary>An observed address or name that a feed lists.</summary>
/// <param name="Time">When it was observed.</param>
/// <param name="Match">The indicator it matched, and how strongly.</param>
/// <param name="Observation">What was observed, for people (e.g. <c>mqtt connect from 203.0.113.7 as client plc-7</c>).</param>
/// <param name="Asset">The asset and device involved, as far as known.</param>
/// <param name="Severity">Low for partial or weak matches, High with an IDS alert, else Medium.</param>
public sealed record IntelFinding(DateTimeOffset Time, IocMatch Match, string Observation, AssetRef Asset, IntelSeverity Severity);
