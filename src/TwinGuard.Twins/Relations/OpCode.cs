namespace TwinGuard.Twins.Relations;

/// <summary>Instructions of the compiled postfix program.</summary>
internal enum OpCode : byte
{
    Push,
    Load,
    Coefficient,
    Der,
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    Min,
    Max,
    Abs,
    Sqrt,
    Pow,
    Clamp,
}
