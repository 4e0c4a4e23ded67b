namespace TwinGuard.Ledger;

/// <summary>An incomplete or damaged tail that <see cref="LedgerWriter.Open"/> found and set aside.</summary>
/// <param name="Segment">The segment file name it was cut from.</param>
/// <param name="Offset">Byte offset in the segment where the tail started.</param>
/// <param name="Length">Bytes set aside.</param>
/// <param name="SetAsideFile">Path, relative to the ledger directory, of the file holding those bytes.</param>
/// <param name="Sha256">Lowercase hex SHA-256 of those bytes.</param>
/// <param name="FirstIndex">The entry index the tail would have started at.</param>
/// <param name="Reason">Why the bytes were not a valid record.</param>
/// <param name="EntryIndex">The index of the torn-tail entry that records the event.</param>
public sealed record TornTail(string Segment, long Offset, long Length, string SetAsideFile, string Sha256, long FirstIndex,
    string Reason, long EntryIndex);
