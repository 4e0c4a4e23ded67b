namespace TwinGuard.Ledger.Storage;

/// <summary>The first place where the segment files stop being a well-formed log.</summary>
/// <param name="Index">The entry index expected at that place.</param>
/// <param name="SegmentPath">The segment file.</param>
/// <param name="Offset">Byte offset in that file.</param>
/// <param name="Reason">What is wrong, in words.</param>
/// <param name="InLastSegment">True when the place is in the newest segment, where a crash can leave a torn tail.</param>
/// <param name="Incomplete">True when the file simply ends inside a header or record (a torn write).</param>
internal sealed record ScanProblem(long Index, string SegmentPath, long Offset, string Reason, bool InLastSegment,
    bool Incomplete);
