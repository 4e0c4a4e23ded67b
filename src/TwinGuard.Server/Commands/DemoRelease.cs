namespace TwinGuard.Server.Commands;

/// <summary>One containment the demo's operator released.</summary>
/// <param name="AtSeconds">When, from the start of the run.</param>
/// <param name="Kind">What was held (<c>source</c>, <c>signal</c>, <c>read_only</c>, ...).</param>
/// <param name="Target">Device, asset, <c>asset/signal</c> or address.</param>
/// <param name="Attack">The attack it was about, or null when it concerned none (a false alarm's containment).</param>
internal sealed record DemoRelease(double AtSeconds, string Kind, string Target, string? Attack);
