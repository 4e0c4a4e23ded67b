using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>A finding on its way to a SIEM: the site, its id (receivers drop repeats of an id) and the finding.</summary>
public sealed record ForwardedFinding(string Site, long Id, Finding Finding);
