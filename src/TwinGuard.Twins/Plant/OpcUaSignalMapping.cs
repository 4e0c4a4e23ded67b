namespace TwinGuard.Twins.Plant;

/// <summary>One signal read from an OPC UA server by a monitored item.</summary>
/// <param name="AssetId">The asset whose twin receives the value.</param>
/// <param name="SignalId">The signal of that asset.</param>
/// <param name="NodeId">The variable's NodeId in text form (OPC 10000-6 §5.3.1.10), e.g. <c>ns=1;s=pump1.speed</c>.</param>
/// <param name="SamplingInterval">How often the server samples the variable.</param>
/// <param name="Deadband">Absolute deadband: smaller changes are not reported; 0 reports every change.</param>
public sealed record OpcUaSignalMapping(string AssetId, string SignalId, string NodeId, TimeSpan SamplingInterval, double Deadband);
