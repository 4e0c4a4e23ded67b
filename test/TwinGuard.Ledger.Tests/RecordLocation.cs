namespace TwinGuard.Ledger.Tests;

/// <summary>Where a record sits on disk, found by <see cref="SegmentLayout"/>.</summary>
internal sealed record RecordLocation(long Index, string SegmentPath, long Offset, int Length);
