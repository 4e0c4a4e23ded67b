namespace TwinGuard.Server.Bench;

/// <summary>The garbage collections during one measurement (<see cref="ProcessCost.Collected"/>).</summary>
/// <param name="Mode">The collector: <c>server</c> or <c>workstation</c>.</param>
/// <param name="LatencyMode">The collector's latency mode (<c>Interactive</c> when concurrent).</param>
/// <param name="Gen0">Collections of generation 0 only.</param>
/// <param name="Gen1">Collections of generation 1 (with 0).</param>
/// <param name="Gen2">Full collections.</param>
/// <param name="PauseMs">Time every managed thread was stopped for them, in all.</param>
internal sealed record GcCost(string Mode, string LatencyMode, int Gen0, int Gen1, int Gen2, double PauseMs);
