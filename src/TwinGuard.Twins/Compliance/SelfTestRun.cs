namespace TwinGuard.Twins.Compliance;

/// <summary>A <c>self-test</c> entry: one scenario run of <c>twinguard simulate</c> recorded in the site's ledger.</summary>
/// <param name="Index">The ledger entry.</param>
/// <param name="Time">When it was recorded.</param>
/// <param name="Invocation">Shared by the runs of one <c>simulate</c> command.</param>
/// <param name="Scenario">The scenario's name (<c>normal</c> for a normal-only run).</param>
/// <param name="NormalOnly">Normal operation only: it counts false alarms, there is nothing to detect.</param>
/// <param name="Detected">The attack was detected.</param>
/// <param name="FalseAlarms">Findings outside the attack.</param>
public sealed record SelfTestRun(long Index, DateTimeOffset Time, string Invocation, string Scenario, bool NormalOnly, bool Detected, int FalseAlarms);
