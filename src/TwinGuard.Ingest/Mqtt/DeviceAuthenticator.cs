using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>Checks a device's credentials against the plant model's salted hashes.</summary>
/// <remarks>
/// PBKDF2 costs tens of milliseconds on purpose. A successful check is remembered as a SHA-256 digest of the password
/// so that a device that reconnects often does not pay it again; a changed or revoked credential misses the cache.
/// </remarks>
public sealed class DeviceAuthenticator(PlantModel plant)
{
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);

    /// <summary>Returns the device, or the reason the credentials are refused.</summary>
    public (DeviceModel? Device, ReasonCode? Refusal) Authenticate(string? userName, string? password)
    {
        if (string.IsNullOrEmpty(userName) || plant.FindDevice(userName) is not { } device)
        {
            return (null, ReasonCode.UnknownSource);
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(password ?? string.Empty));
        if (_verified.TryGetValue(device.Id, out var known) && CryptographicOperations.FixedTimeEquals(known, digest))
        {
            return (device, null);
        }

        if (!device.PasswordHash.Verify(password ?? string.Empty))
        {
            return (null, ReasonCode.BadCredentials);
        }

        _verified[device.Id] = digest;
        return (device, null);
    }
}
