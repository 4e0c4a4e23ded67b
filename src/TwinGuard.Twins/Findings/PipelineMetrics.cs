using System.Collections.Concurrent;

namespace TwinGuard.Twins.Findings;

/// <summary>Live counters of the data path: what came in, what was refused and why, what was found.</summary>
/// <remarks>Thread-safe and lock-free on the hot path; read by the terminal view, the API and <c>/metrics</c>.</remarks>
public sealed class PipelineMetrics
{
    /// <summary>Devices (or presented user names) counted by name in <see cref="RefusalsByDevice"/>; the rest count as <c>(other)</c>.</summary>
    public const int MaxCountedDevices = 1024;

    private readonly long[] _refusalsByReason = new long[Enum.GetValues<ReasonCode>().Length];
    private readonly long[] _findingsByReason = new long[Enum.GetValues<ReasonCode>().Length];
    private readonly ConcurrentDictionary<(string Device, ReasonCode Reason), long> _refusalsByDevice = new();
    private long _messages;
    private long _messagesRefused;
    private long _relationUpdatesSent;
    private long _relationUpdatesDone;
    private long _readingsAccepted;
    private long _incidents;
    private long _refusalsNotStored;
    private long _twinsRestored;
    private long _twinStateWrites;
    private long _twinModelValuesWritten;
    private long _twinStateWriteFailures;
    private long _refusalsSummarised;
    private long _findingsNotQueued;
    private long _operatingChanges;
    private long _refitsAdoptedLate;

    /// <summary>From a message's arrival at a transport to the end of its validation and detection in the twin.</summary>
    public LatencyHistogram ArrivalToTwin { get; } = new();

    /// <summary>From a reading's arrival at a transport to the finding it caused.</summary>
    public LatencyHistogram ArrivalToFinding { get; } = new();

    /// <summary>Messages received from any transport.</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Messages the gate refused as a whole: none of their values went on to a twin.</summary>
    /// <remarks>
    /// A message refused for several reasons (each of its values quarantined, say) counts once here and once per reason in
    /// <see cref="Refusals"/>; with the messages the twins took in, this accounts for every message the gate has decided on.
    /// </remarks>
    public long MessagesRefused => Interlocked.Read(ref _messagesRefused);

    /// <summary>Batches of accepted values the twins sent to their relations.</summary>
    public long RelationUpdatesSent => Interlocked.Read(ref _relationUpdatesSent);

    /// <summary>Of those, batches a relation has evaluated (and raised its findings for).</summary>
    /// <remarks>Equal to <see cref="RelationUpdatesSent"/> when no evaluation is in flight: a simulation waits for that.</remarks>
    public long RelationUpdatesDone => Interlocked.Read(ref _relationUpdatesDone);

    /// <summary>Signal values that passed gate and validation and reached a twin's trusted state.</summary>
    public long ReadingsAccepted => Interlocked.Read(ref _readingsAccepted);

    /// <summary>Incidents opened.</summary>
    public long Incidents => Interlocked.Read(ref _incidents);

    /// <summary>Refusals counted but not written to the quarantine store because it was saturated (a flood).</summary>
    public long RefusalsNotStored => Interlocked.Read(ref _refusalsNotStored);

    /// <summary>Refusals counted and folded into a flood summary instead of stored one by one (<see cref="Gate.RefusalSummariser"/>).</summary>
    public long RefusalsSummarised => Interlocked.Read(ref _refusalsSummarised);

    /// <summary>Findings raised while the correlate stage's queue was full (counted in the findings, never correlated).</summary>
    public long FindingsNotQueued => Interlocked.Read(ref _findingsNotQueued);

    /// <summary>Detector hits not raised because several signals of an asset moved together (an operating change).</summary>
    public long OperatingChanges => Interlocked.Read(ref _operatingChanges);

    /// <summary>All refusals.</summary>
    public long Refusals => Sum(_refusalsByReason);

    /// <summary>All findings raised (before folding repeats).</summary>
    public long Findings => Sum(_findingsByReason);

    /// <summary>Refusals of one reason.</summary>
    public long RefusalsOf(ReasonCode reason) => Interlocked.Read(ref _refusalsByReason[(int)reason]);

    /// <summary>Findings of one reason.</summary>
    public long FindingsOf(ReasonCode reason) => Interlocked.Read(ref _findingsByReason[(int)reason]);

    /// <summary>Refusals per device and reason.</summary>
    public IReadOnlyDictionary<(string Device, ReasonCode Reason), long> RefusalsByDevice => _refusalsByDevice;

    private static long Sum(long[] counters)
    {
        long total = 0;
        for (var i = 0; i < counters.Length; i++)
        {
            total += Interlocked.Read(ref counters[i]);
        }

        return total;
    }

    internal void CountMessage() => Interlocked.Increment(ref _messages);

    internal void CountMessageRefused() => Interlocked.Increment(ref _messagesRefused);

    internal void CountRelationUpdateSent() => Interlocked.Increment(ref _relationUpdatesSent);

    internal void CountRelationUpdateDone() => Interlocked.Increment(ref _relationUpdatesDone);

    internal void CountAccepted(int values) => Interlocked.Add(ref _readingsAccepted, values);

    internal void CountRefusal(string? device, ReasonCode reason)
    {
        Interlocked.Increment(ref _refusalsByReason[(int)reason]);
        var key = (device ?? "(none)", reason);
        if (_refusalsByDevice.Count >= MaxCountedDevices && !_refusalsByDevice.ContainsKey(key))
        {
            key = ("(other)", reason); // the names are the client's choice: the map stays bounded
        }

        _refusalsByDevice.AddOrUpdate(key, 1, static (_, n) => n + 1);
    }

    internal void CountFinding(ReasonCode reason) => Interlocked.Increment(ref _findingsByReason[(int)reason]);

    internal void CountOperatingChange() => Interlocked.Increment(ref _operatingChanges);

    internal void CountIncident() => Interlocked.Increment(ref _incidents);

    internal void CountRefusalNotStored() => Interlocked.Increment(ref _refusalsNotStored);

    /// <summary>Twins that resumed from their persisted learned state on activation (docs/cluster.md).</summary>
    public long TwinsRestored => Interlocked.Read(ref _twinsRestored);

    /// <summary>Writes of twins' learned state (stream snapshots and model rows).</summary>
    public long TwinStateWrites => Interlocked.Read(ref _twinStateWrites);

    /// <summary>Feature values written with the models' rows (8 bytes each), the large part of the persistence cost.</summary>
    public long TwinModelValuesWritten => Interlocked.Read(ref _twinModelValuesWritten);

    /// <summary>Snapshots of a twin's learned state that the store refused or failed (retried at the next snapshot).</summary>
    public long TwinStateWriteFailures => Interlocked.Read(ref _twinStateWriteFailures);

    internal void CountTwinStateWriteFailed() => Interlocked.Increment(ref _twinStateWriteFailures);

    internal void CountTwinRestored() => Interlocked.Increment(ref _twinsRestored);

    /// <summary>
    /// Twins' multivariate retrainings adopted after their row because their fit was not done by then: the states in
    /// between were scored by the model before (the twin did not keep up with the fit; see <c>OnlineLearningOptions.AdoptAfter</c>).
    /// </summary>
    public long RefitsAdoptedLate => Interlocked.Read(ref _refitsAdoptedLate);

    internal void CountRefitAdoptedLate() => Interlocked.Increment(ref _refitsAdoptedLate);

    internal void CountTwinStateWrite(int modelValues)
    {
        Interlocked.Increment(ref _twinStateWrites);
        Interlocked.Add(ref _twinModelValuesWritten, modelValues);
    }
    internal void CountRefusalSummarised() => Interlocked.Increment(ref _refusalsSummarised);

    internal void CountRefusalsNotStored(int count) => Interlocked.Add(ref _refusalsNotStored, count);

    internal void CountFindingNotQueued() => Interlocked.Increment(ref _findingsNotQueued);
}
