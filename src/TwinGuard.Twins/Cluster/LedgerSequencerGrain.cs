using TwinGuard.Ledger;

namespace TwinGuard.Twins.Cluster;

/// <summary>
/// The cluster's ledger writer (see <see cref="ILedgerSequencerGrain"/>): opens the shared ledger directory when
/// activated (the writer's lock keeps a second writer out), closes it with a signed checkpoint when deactivated.
/// </summary>
/// <remarks>
/// A retried batch (same <see cref="LedgerEntries.BatchId"/>: its first call's answer was lost, or it timed out while
/// being written) is written once: the activation remembers the ids of the last <see cref="DedupWindow"/> batches it
/// wrote. The memory is the activation's: a batch whose sequencer died mid-call may be written again by the next one.
/// </remarks>
internal sealed class LedgerSequencerGrain(ClusterLedgerOptions options, TimeProvider time) : Grain, ILedgerSequencerGrain
{
    /// <summary>How many written batches' ids are remembered (a retry comes within seconds; silos send one batch at a time).</summary>
    internal const int DedupWindow = 256;

    private readonly Dictionary<Guid, long> _written = [];
    private readonly Queue<Guid> _writtenOrder = new();
    private LedgerWriter? _writer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writer = LedgerWriter.Open(options.Directory, options.Options, time);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
            _writer = null;
        }
    }

    public async Task<long> AppendAsync(LedgerEntries entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Kinds.Length != entries.Payloads.Length || entries.Kinds.Length == 0)
        {
            throw new ArgumentException("one kind per payload, at least one entry", nameof(entries));
        }

        if (entries.BatchId != Guid.Empty && _written.TryGetValue(entries.BatchId, out var already))
        {
            return already; // calls run one at a time: a retry waits for its first call and finds it here
        }

        var writer = _writer ?? throw new InvalidOperationException("the sequencer is not active");
        var first = -1L;
        var last = -1L;
        for (var i = 0; i < entries.Kinds.Length; i++)
        {
            last = writer.Append((LedgerEntryKind)entries.Kinds[i], entries.Payloads[i]);
            first = first < 0 ? last : first;
        }

        await writer.WhenDurableAsync(last);
        if (entries.BatchId != Guid.Empty)
        {
            _written[entries.BatchId] = first;
            _writtenOrder.Enqueue(entries.BatchId);
            if (_writtenOrder.Count > DedupWindow)
            {
                _written.Remove(_writtenOrder.Dequeue());
            }
        }

        return first;
    }
}
