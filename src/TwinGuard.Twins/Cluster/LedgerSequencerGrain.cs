using TwinGuard.Ledger;

namespace TwinGuard.Twins.Cluster;

/// <summary>
/// The cluster's ledger writer (see <see cref="ILedgerSequencerGrain"/>): opens the shared ledger directory when
/// activated (the writer's lock keeps a second writer out), closes it with a signed checkpoint when deactivated.
/// </summary>
internal sealed class LedgerSequencerGrain(ClusterLedgerOptions options, TimeProvider time) : Grain, ILedgerSequencerGrain
{
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

        var writer = _writer ?? throw new InvalidOperationException("the sequencer is not active");
        var first = -1L;
        var last = -1L;
        for (var i = 0; i < entries.Kinds.Length; i++)
        {
            last = writer.Append((LedgerEntryKind)entries.Kinds[i], entries.Payloads[i]);
            first = first < 0 ? last : first;
        }

        await writer.WhenDurableAsync(last);
        return first;
    }
}
