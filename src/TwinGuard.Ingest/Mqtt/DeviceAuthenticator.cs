using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TwinGuard.Ingest.Mqtt.Tls;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>Checks a device's credentials: its client certificate, its password against the plant model's salted hash, or both.</summary>
/// <remarks>
/// PBKDF2 costs tens to hundreds of milliseconds on purpose. A successful check is remembered as a SHA-256 digest of
/// the password so that a device that reconnects often does not pay it again; a changed or revoked credential misses
/// the cache. A device declared with a certificate must present it: its password alone is refused
/// (<see cref="ReasonCode.CertificateRequired"/>), and with a password hash too it needs both.
/// </remarks>
public sealed class DeviceAuthenticator(PlantModel plant, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);
    private readonly DeviceCertificateCheck _certificates = new(plant.Tls, time);

    /// <summary>An authenticator on the system clock.</summary>
    public DeviceAuthenticator(PlantModel plant)
        : this(plant, TimeProvider.System)
    {
    }

    /// <summary>Returns the device, or the reason the password is refused (no client certificate).</summary>
    public (DeviceModel? Device, ReasonCode? Refusal) Authenticate(string? userName, string? password)
    {
        var result = Authenticate(userName, password, null);
        return (result.Device, result.Refusal);
    }

    /// <summary>Returns the device, or the reason (and a one-line detail) the credentials are refused.</summary>
    /// <param name="userName">The MQTT user name; may be empty when a certificate names the device.</param>
    /// <param name="password">The MQTT password, if any.</param>
    /// <param name="certificate">The client certificate of the TLS session, if any.</param>
    public DeviceAuthentication Authenticate(string? userName, string? password, X509Certificate2? certificate)
    {
        DeviceModel? device;
        if (certificate is not null)
        {
            if (string.IsNullOrEmpty(userName))
            {
                // The certificate alone names the device: the first whose declaration it satisfies.
                if (_certificates.Usable(certificate) is { } unusable)
                {
                    return DeviceAuthentication.Refused(ReasonCode.BadCertificate, unusable);
                }

                device = plant.Devices.FirstOrDefault(d => d.Certificate is { } declared && _certificates.Problem(certificate, declared) is null);
                if (device is null)
                {
                    return DeviceAuthentication.Refused(ReasonCode.BadCertificate,
                        $"certificate '{certificate.Subject}' (SHA-256 {DeviceCertificate.FingerprintOf(certificate)[..16]}...) names no device of the plant model");
                }
            }
            else
            {
                device = plant.FindDevice(userName);
                if (device is null)
                {
                    return DeviceAuthentication.Refused(ReasonCode.UnknownSource, $"unknown source '{userName}' with certificate '{certificate.Subject}'");
                }

                if (device.Certificate is null)
                {
                    return DeviceAuthentication.Refused(ReasonCode.BadCertificate, $"device '{device.Id}' is not declared with a certificate, yet presented '{certificate.Subject}'");
                }

                if (_certificates.Problem(certificate, device.Certificate) is { } problem)
                {
                    return DeviceAuthentication.Refused(ReasonCode.BadCertificate, $"device '{device.Id}': {problem}");
                }
            }

            if (device.PasswordHash is null)
            {
                return DeviceAuthentication.Accepted(device);
            }
        }
        else
        {
            if (string.IsNullOrEmpty(userName) || plant.FindDevice(userName) is not { } known)
            {
                return DeviceAuthentication.Refused(ReasonCode.UnknownSource, $"unknown source '{userName}'");
            }

            device = known;
            if (device.Certificate is not null)
            {
                return DeviceAuthentication.Refused(ReasonCode.CertificateRequired, $"device '{device.Id}' must present its client certificate; a password alone is refused");
            }
        }

        return VerifyPassword(device, password);
    }

    private DeviceAuthentication VerifyPassword(DeviceModel device, string? password)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(password ?? string.Empty));
        if (_verified.TryGetValue(device.Id, out var known) && CryptographicOperations.FixedTimeEquals(known, digest))
        {
            return DeviceAuthentication.Accepted(device);
        }

        if (device.PasswordHash?.Verify(password ?? string.Empty) != true)
        {
            return DeviceAuthentication.Refused(ReasonCode.BadCredentials, $"wrong password for device '{device.Id}'");
        }

        _verified[device.Id] = digest;
        return DeviceAuthentication.Accepted(device);
    }
}
