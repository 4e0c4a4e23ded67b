namespace TwinGuard.Twins.Compliance;

/// <summary>One control in a report: its status, why, and the evidence.</summary>
/// <param name="Control">The catalogue entry.</param>
/// <param name="Status">What the evidence says.</param>
/// <param name="Reason">Why, in one line.</param>
/// <param name="Evidence">Each rule's result, in catalogue order.</param>
public sealed record ControlResult(ControlEntry Control, ControlStatus Status, string Reason, IReadOnlyList<EvidenceResult> Evidence)
{
    /// <summary>Every ledger entry the control's evidence cites.</summary>
    public IEnumerable<long> Entries => Evidence.SelectMany(e => e.Result.Entries).Distinct();
}
