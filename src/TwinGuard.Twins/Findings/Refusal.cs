namespace TwinGuard.Twins.Findings;

/// <summary>Data that the pipeline refused, kept whole for forensics: refused data is never silently dropped.</summary>
/// <param name="Time">When it was refused.</param>
/// <param name="Reason">Why.</param>
/// <param name="DeviceId">The authenticated device, or the user name an unknown client presented.</param>
/// <param name="ClientId">The transport's client identifier (MQTT client id), when there is one.</param>
/// <param name="RemoteEndpoint">Where the data came from (address:port), when known.</param>
/// <param name="Topic">The topic (or transport address) the data was sent to.</param>
/// <param name="AssetId">The asset concerned, when known.</param>
/// <param name="SignalId">The signal concerned, when known.</param>
/// <param name="Detail">One line saying exactly what was wrong.</param>
/// <param name="Payload">The raw payload as received (empty when the refusal concerns a connection).</param>
public sealed record Refusal(
    DateTimeOffset Time,
    ReasonCode Reason,
    string? DeviceId,
    string? ClientId,
    string? RemoteEndpoint,
    string Topic,
    string? AssetId,
    string? SignalId,
    string Detail,
    ReadOnlyMemory<byte> Payload);
