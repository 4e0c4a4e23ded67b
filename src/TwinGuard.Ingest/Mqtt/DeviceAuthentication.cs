using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>The outcome of <see cref="DeviceAuthenticator.Authenticate(string?, string?, System.Security.Cryptography.X509Certificates.X509Certificate2?)"/>.</summary>
/// <param name="Device">The device proven, or null when refused.</param>
/// <param name="Refusal">Why it was refused, or null.</param>
/// <param name="Detail">One line for the refusal record (never the password).</param>
public sealed record DeviceAuthentication(DeviceModel? Device, ReasonCode? Refusal, string Detail)
{
    /// <summary>Proven as <paramref name="device"/>.</summary>
    public static DeviceAuthentication Accepted(DeviceModel device) => new(device, null, string.Empty);

    /// <summary>Refused.</summary>
    public static DeviceAuthentication Refused(ReasonCode reason, string detail) => new(null, reason, detail);
}
