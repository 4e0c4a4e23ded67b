using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Twin;

/// <summary>The digital twin of one asset, keyed by the asset's id.</summary>
[Alias("twinguard.twin")]
public interface ITwinGrain : IGrainWithStringKey
{
    /// <summary>Validates a batch of messages that passed the gate, updates the trusted state and runs the detectors.</summary>
    [Alias("ingest")]
    Task IngestAsync(ReadingMessage[] batch);

    /// <summary>The twin's current state: last-known-good values, expected values and trust per signal.</summary>
    [Alias("snapshot")]
    Task<TwinSnapshot> GetSnapshotAsync();

    /// <summary>Up to <paramref name="max"/> of the newest trusted readings of a signal, oldest first; null for an unknown signal.</summary>
    [Alias("history")]
    Task<SignalHistory?> GetHistoryAsync(string signalId, int max);
}
