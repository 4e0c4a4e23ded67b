namespace TwinGuard.Twins.Relations;

/// <summary>One postfix instruction: a constant for <see cref="OpCode.Push"/>, a slot for Load and Der, an index into the coefficients for Coefficient.</summary>
internal readonly record struct Instruction(OpCode Op, double Value, int Slot);
