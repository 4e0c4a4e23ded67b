namespace TwinGuard.Twins.Compliance;

/// <summary>One control (requirement) of a catalogue and what in TwinGuard bears on it.</summary>
/// <param name="Id">The standard's identifier: <c>SR 1.2</c>, <c>SR 1.1 RE 1</c>, <c>SI-4</c>, <c>A.8.16</c>.</param>
/// <param name="Title">Short title (a fact about the standard; the catalogues never copy its text).</param>
/// <param name="Level">IEC 62443-3-3: the lowest security level (1-4) at which the requirement applies; else null.</param>
/// <param name="Evidence">What TwinGuard holds for it; empty when <see cref="OutsideScope"/> is set.</param>
/// <param name="OutsideScope">Why the control is outside what TwinGuard does, or null.</param>
/// <param name="Partial">TwinGuard covers only part of the control: at best partly met.</param>
/// <param name="Gap">What the operator must close elsewhere, or null.</param>
/// <param name="Line">Line of the entry in its catalogue file.</param>
public sealed record ControlEntry(
    string Id,
    string Title,
    int? Level,
    IReadOnlyList<EvidenceRule> Evidence,
    string? OutsideScope,
    bool Partial,
    string? Gap,
    int Line);
