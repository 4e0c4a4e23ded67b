namespace TwinGuard.Ledger.Verification;

/// <summary>The first place where a ledger stops matching its format or its signed checkpoints.</summary>
/// <param name="Kind">
/// <c>record</c> (a damaged, altered, missing or misplaced entry), <c>torn-tail</c> (the newest segment ends inside an
/// entry: a crash the writer has not yet recovered from), <c>root-mismatch</c> (entries that do not hash to a signed
/// root), <c>truncated</c> (fewer entries than a checkpoint signs), <c>checkpoint</c> (a malformed, out-of-order or
/// wrongly signed checkpoint), <c>key</c> (no usable public key).
/// </param>
/// <param name="EntryIndex">The first entry that cannot be trusted, when the problem is about entries.</param>
/// <param name="File">The file, relative to the ledger directory.</param>
/// <param name="Offset">Byte offset in that file, when known.</param>
/// <param name="Message">What is wrong, in words.</param>
public sealed record LedgerProblem(string Kind, long? EntryIndex, string File, long? Offset, string Message)
{
    /// <summary>One line for people: where, then what.</summary>
    public override string ToString() =>
        (EntryIndex is { } index ? $"entry {index}: " : string.Empty)
        + File + (Offset is { } offset ? $" offset {offset}" : string.Empty) + ": " + Message;
}
