using System.Threading.Channels;

namespace TwinGuard.Twins.Findings;

/// <summary>
/// Where every stage hands its findings and refusals; the record stage drains it. Never blocks the data path.
/// </summary>
/// <remarks>
/// Both queues are bounded so that memory stays bounded under any input rate. Findings are small and folded by the
/// consumer, so their queue is large; when the refusal queue is full (a flood), the refusal is still counted in
/// <see cref="PipelineMetrics"/> and the shortfall is counted as <see cref="PipelineMetrics.RefusalsNotStored"/>.
/// The queues are in <see cref="BoundedChannelFullMode.Wait"/> mode, where <c>TryWrite</c> never waits and returns false
/// when full; in <see cref="BoundedChannelFullMode.DropWrite"/> mode it returns true for the item it drops, which hid
/// every dropped refusal from the count.
/// </remarks>
public sealed class EvidenceSink
{
    private readonly Channel<Finding> _findings = Channel.CreateBounded<Finding>(
        new BoundedChannelOptions(200_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly Channel<Refusal> _refusals = Channel.CreateBounded<Refusal>(
        new BoundedChannelOptions(50_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Creates a sink that counts into <paramref name="metrics"/>.</summary>
    public EvidenceSink(PipelineMetrics metrics, TimeProvider time)
    {
        Metrics = metrics;
        Time = time;
    }

    /// <summary>The counters this sink updates.</summary>
    public PipelineMetrics Metrics { get; }

    /// <summary>The clock findings and refusals are stamped with.</summary>
    public TimeProvider Time { get; }

    /// <summary>
    /// The flood summaries of the gate that refuses into this sink (set by <see cref="Gate.ReadingGate"/>): a twin asks
    /// them before it stores a refusal of a reading the gate let through (<see cref="Gate.RefusalSummariser.ShouldStoreLate"/>),
    /// so a flooder's late readings fold into its summary instead of a row, a finding and a ledger entry each.
    /// </summary>
    public Gate.RefusalSummariser? Summaries { get; internal set; }

    /// <summary>Findings waiting for the record stage.</summary>
    public ChannelReader<Finding> Findings => _findings.Reader;

    /// <summary>Refusals waiting for the quarantine store.</summary>
    public ChannelReader<Refusal> Refusals => _refusals.Reader;

    /// <summary>Raised for every finding as it is raised, before it is queued (latency probes, live views).</summary>
    public event Action<Finding>? Raised;

    /// <summary>Raised after a finding is queued, on the raising thread: the correlate stage runs there when it is idle.</summary>
    public event Action? Queued;

    /// <summary>Hands over a finding.</summary>
    public void Raise(Finding finding)
    {
        Metrics.CountFinding(finding.Reason);
        if (finding.ArrivalTimestamp != 0)
        {
            Metrics.ArrivalToFinding.Record(Time.GetElapsedTime(finding.ArrivalTimestamp));
        }

        Raised?.Invoke(finding);
        if (!_findings.Writer.TryWrite(finding))
        {
            Metrics.CountFindingNotQueued();
            return;
        }

        Queued?.Invoke();
    }

    /// <summary>Hands over a refusal and raises the finding that goes with it.</summary>
    /// <param name="refusal">What was refused, to store.</param>
    /// <param name="finding">The finding it raises.</param>
    /// <param name="counted">False for a summary of refusals each counted already (<see cref="Gate.RefusalSummariser"/>).</param>
    public void Refuse(Refusal refusal, Finding finding, bool counted = true)
    {
        if (counted)
        {
            Metrics.CountRefusal(refusal.DeviceId, refusal.Reason);
        }

        if (!_refusals.Writer.TryWrite(refusal))
        {
            Metrics.CountRefusalNotStored();
        }

        Raise(finding);
    }

    /// <summary>Stops accepting; the readers finish once drained.</summary>
    public void Complete()
    {
        _findings.Writer.TryComplete();
        _refusals.Writer.TryComplete();
    }
}
