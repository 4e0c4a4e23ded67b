namespace TwinGuard.Twins.Edge;

/// <summary>A containment between a site and an edge: put in force (<c>quarantine</c>) or lifted (<c>release</c>).</summary>
/// <param name="Action"><c>quarantine</c>, <c>revoke</c> (credentials), <c>disconnect</c> (a device's connections now) or <c>release</c>.</param>
/// <param name="Target">What it acts on: <c>device</c>, <c>asset</c> or <c>signal</c> (<c>asset/signal</c> as its id).</param>
/// <param name="Id">The device, asset or <c>asset/signal</c> id.</param>
/// <param name="Reason">Why, one line.</param>
/// <param name="By">Who decided: <c>site</c> (its playbooks or an operator) or <c>edge</c> (the edge's playbooks, alone).</param>
public sealed record EdgeContainment(string Action, string Target, string Id, string Reason, string By);
