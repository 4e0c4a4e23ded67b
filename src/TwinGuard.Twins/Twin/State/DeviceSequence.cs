namespace TwinGuard.Twins.Twin;

/// <summary>The last boot and sequence number accepted from one device.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Boot">Its boot number.</param>
/// <param name="Sequence">Its sequence number within the boot.</param>
[GenerateSerializer]
[Alias("twinguard.device-sequence.v1")]
internal sealed record DeviceSequence([property: Id(0)] string DeviceId, [property: Id(1)] long Boot, [property: Id(2)] long Sequence);
