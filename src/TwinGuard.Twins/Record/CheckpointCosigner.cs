using TwinGuard.Ledger.Witnessing;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Record;

/// <summary>
/// This site as the witness of other ledgers (its edges', its peers'): cosigns each checkpoint they send that verifies
/// with the log's pinned key and is consistent with what it cosigned before (c2sp.org/tlog-witness), and refuses,
/// counts and raises (so records in the site's ledger) every other one.
/// </summary>
/// <remarks>
/// 409 is the protocol's way to say "prove from my size" (c2sp.org/tlog-witness §add-checkpoint), not a refusal, unless
/// the witness found the log rolled back or forked (<see cref="WitnessAnswer.Fork"/>): that is refused like a fork. 400
/// (malformed), 403 (no valid signature of the log's key), 404 (a log not declared here) and 422 (the consistency proof
/// fails: a fork) are refusals: one <see cref="ReasonCode.CheckpointRefused"/> finding each.
/// </remarks>
public sealed class CheckpointCosigner(Witness witness, EvidenceSink evidence)
{
    private long _cosigned;
    private long _refused;

    /// <summary>The witness key its cosignatures verify with.</summary>
    public WitnessPublicKey PublicKey => witness.PublicKey;

    /// <summary>Checkpoints cosigned since start.</summary>
    public long Cosigned => Interlocked.Read(ref _cosigned);

    /// <summary>Checkpoints refused since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Answers one add-checkpoint request of <paramref name="from"/> (<c>edge 'ID'</c>, <c>peer 'ID'</c>).</summary>
    /// <param name="from">Who sent it, for the finding.</param>
    /// <param name="device">The identity that sent it (the edge's or the peer's device id).</param>
    /// <param name="request">The c2sp.org/tlog-witness add-checkpoint body.</param>
    /// <param name="cancellationToken">Cancels the wait for durability.</param>
    public async Task<WitnessAnswer> CosignAsync(string from, string device, string request, CancellationToken cancellationToken)
    {
        var answer = await witness.AddCheckpointAsync(request, cancellationToken);
        switch (answer.Status)
        {
            case 200:
                Interlocked.Increment(ref _cosigned);
                break;
            case 409 when answer.Fork is null:
                break;
            default:
                Interlocked.Increment(ref _refused);
                var why = answer.Fork ?? $"{answer.Status} {answer.Body.Trim()}";
                evidence.Raise(new Finding(evidence.Time.GetUtcNow(), ReasonCode.CheckpointRefused, ReasonCode.CheckpointRefused.DefaultSeverity(), null, null,
                    device, null, 1, EvidenceClip.Text($"checkpoint of {from} refused, not cosigned: {why}", EvidenceClip.MaxText * 4)!));
                break;
        }

        return answer;
    }
}
