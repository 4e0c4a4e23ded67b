namespace TwinGuard.Simulator.Scoring;

/// <summary>A response action the pipeline took (a playbook or an operator), reduced to what scoring needs.</summary>
/// <param name="Time">When it was recorded.</param>
/// <param name="Action">What it was (e.g. <c>quarantine</c>, <c>disconnect</c>, <c>notify</c>).</param>
/// <param name="Target">What it acted on.</param>
/// <param name="Outcome">How it went (<c>Done</c>, <c>AwaitingApproval</c>, ...).</param>
/// <param name="Playbook">The playbook that ran it, when one did.</param>
public sealed record ResponseObservation(DateTimeOffset Time, string Action, string Target, string Outcome, string? Playbook)
{
    /// <summary>Whether this action contains (cuts off, quarantines, blocks, holds) rather than only tells or reports.</summary>
    public bool Contains =>
        Outcome is "Done" or "AlreadyInPlace"
        && !Action.Contains("notify", StringComparison.OrdinalIgnoreCase)
        && !Action.Contains("report", StringComparison.OrdinalIgnoreCase);
}
