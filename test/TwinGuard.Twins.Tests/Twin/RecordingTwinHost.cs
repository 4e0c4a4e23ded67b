using TwinGuard.Twins.Twin;

namespace TwinGuard.Twins.Tests.Twin;

/// <summary>A twin host for <see cref="TwinCore"/> tests: keeps what the core accepted and explains the signals it is told to.</summary>
internal sealed class RecordingTwinHost : ITwinCoreHost
{
    /// <summary>The values the core accepted, in order.</summary>
    public List<(int Signal, long TimestampMs, double Value, string Device)> Accepted { get; } = [];

    /// <summary>Signals whose changes the relations explain.</summary>
    public HashSet<int> Explained { get; } = [];

    void ITwinCoreHost.Accepted(int signalIndex, long timestampMs, double value, string deviceId) =>
        Accepted.Add((signalIndex, timestampMs, value, deviceId));

    bool ITwinCoreHost.IsExplainedByRelations(int signalIndex) => Explained.Contains(signalIndex);
}
