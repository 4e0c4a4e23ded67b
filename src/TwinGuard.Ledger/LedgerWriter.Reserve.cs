namespace TwinGuard.Ledger;

/// <summary>
/// Space reserved ahead in the newest segment: zeros written and synced once, so that appending a batch overwrites
/// bytes the file already has and its <c>fdatasync</c> changes no metadata (no journal commit per batch), as etcd's
/// WAL preallocates its segments and PostgreSQL recycles zero-filled WAL files.
/// </summary>
/// <remarks>
/// Readers end a segment at the first record position from which the file holds only zeros (docs/ledger-format.md
/// §Segments), so the reserved tail is never mistaken for a torn one. The reservation grows in
/// <see cref="ReserveBytes"/> steps up to the segment size; only a batch that reaches past it grows the file by itself.
/// </remarks>
public sealed partial class LedgerWriter
{
    /// <summary>How far one reservation reaches ahead: one growth of the file (and one metadata sync) per this many bytes.</summary>
    private const int ReserveBytes = 1024 * 1024;

    private static readonly byte[] Zeros = new byte[64 * 1024];

    /// <summary>
    /// Raised on the syncing thread right after a group's bytes are synced to disk, with the tree size they end at;
    /// before the entries count as durable and before any commit waiting on them completes.
    /// </summary>
    /// <remarks>A test seam that lets tests prove no acknowledgement precedes its sync.</remarks>
    internal event Action<long>? SegmentSynced;

    /// <summary>Raised on the syncing thread right before a group's bytes are synced, with the tree size they end at.</summary>
    /// <remarks>A test seam: while it runs, none of those entries may count as durable.</remarks>
    internal event Action<long>? SegmentSyncing;

    /// <summary>End of the newest segment's file: records end at <see cref="_segmentLength"/>, zeros from there to here.</summary>
    private long _segmentReserved;

    /// <summary>Makes the segment file reach at least <paramref name="end"/> bytes, zeros past the records (writing thread).</summary>
    /// <remarks>The next sync of the segment makes the new size durable (<c>fdatasync</c> flushes a size change).</remarks>
    private void Reserve(long end)
    {
        if (end <= _segmentReserved)
        {
            return;
        }

        var target = Math.Max(end, Math.Min(_segmentReserved + ReserveBytes, _options.SegmentBytes));
        while (_segmentReserved < target)
        {
            var length = (int)Math.Min(Zeros.Length, target - _segmentReserved);
            try
            {
                RandomAccess.Write(_segment, Zeros.AsSpan(0, length), _segmentReserved);
            }
            catch (IOException) when (_segmentReserved >= end)
            {
                return; // a nearly full disk: what this batch needs is reserved, the rest is tried at the next growth
            }

            _segmentReserved += length;
        }
    }

    /// <summary>On a clean close, cuts the reserved zeros off, so a closed ledger's files hold only its records.</summary>
    private void ReleaseReserve()
    {
        if (_segmentReserved == _segmentLength)
        {
            return;
        }

        try
        {
            RandomAccess.SetLength(_segment, _segmentLength);
            RandomAccess.FlushToDisk(_segment);
            _segmentReserved = _segmentLength;
        }
        catch (IOException)
        {
            // Zeros after the records are valid (readers end the segment there); the next writer reuses them.
        }
    }
}
