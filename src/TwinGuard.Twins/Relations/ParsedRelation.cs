namespace TwinGuard.Twins.Relations;

/// <summary>The output of <see cref="RelationParser"/>: both sides as postfix programs over one slot table.</summary>
internal sealed record ParsedRelation(Instruction[] Left, Instruction[] Right, string[] Slots, RelationSlot[] SlotInfo, bool UsesDerivative);
