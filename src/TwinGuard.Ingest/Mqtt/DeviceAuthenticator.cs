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
/// <para>PBKDF2 costs tens to hundreds of milliseconds on purpose. A successful check is remembered as a SHA-256 digest of
/// the password so that a device that reconnects often does not pay it again; a changed or revoked credential misses
/// the cache. A device declared with a certificate must present it: its password alone is refused
/// (<see cref="ReasonCode.CertificateRequired"/>), and with a password hash too it needs both.</para>
/// <para>An unknown user name costs the same PBKDF2 as a known one with a wrong password (against a fixed dummy hash of
/// the plant's highest iteration count), so the answer time does not tell which device ids exist.</para>
/// <para>Password checks run at most <see cref="PreLogin.PreLoginLimits.ConcurrentPasswordChecks"/> at a time
/// (<see cref="AuthenticateAsync"/>): failed logins, from however many addresses, can hold that many cores and no more.</para>
/// </remarks>
public sealed class DeviceAuthenticator
{
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);
    private readonly PlantModel _plant;
    private readonly DeviceCertificateCheck _certificates;
    private readonly PasswordHash _dummy;
    private readonly SemaphoreSlim _checks;

    /// <summary>Creates an authenticator for <paramref name="plant"/>'s devices with the broker's limits.</summary>
    public DeviceAuthenticator(PlantModel plant, BrokerOptions options, TimeProvider time)
    {
        _plant = plant;
        _certificates = new DeviceCertificateCheck(plant.Tls, time);
        var iterations = plant.Devices.Select(static d => d.PasswordHash?.Iterations ?? 0).DefaultIfEmpty(0).Max();
        _dummy = PasswordHash.Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)), Math.Max(iterations, 1000));
        _checks = new SemaphoreSlim(Math.Max(1, options.Limits.ConcurrentPasswordChecks));
    }

    /// <summary>An authenticator with the default limits on the system clock.</summary>
    public DeviceAuthenticator(PlantModel plant)
        : this(plant, BrokerOptions.Default, TimeProvider.System)
    {
    }

    /// <summary>Authenticates on a password check slot (<see cref="Authenticate(string?, string?, X509Certificate2?)"/>): waits its turn.</summary>
    public async ValueTask<DeviceAuthentication> AuthenticateAsync(string? userName, string? password, X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        await _checks.WaitAsync(cancellationToken);
        try
        {
            return Authenticate(userName, password, certificate);
        }
        finally
        {
            _checks.Release();
        }
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

                device = _plant.Devices.FirstOrDefault(d => d.Certificate is { } declared && _certificates.Problem(certificate, declared) is null);
                if (device is null)
                {
                    return DeviceAuthentication.Refused(ReasonCode.BadCertificate,
                        $"certificate '{certificate.Subject}' (SHA-256 {DeviceCertificate.FingerprintOf(certificate)[..16]}...) names no device of the plant model");
                }
            }
            else
            {
                device = _plant.FindDevice(userName);
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
            if (string.IsNullOrEmpty(userName) || _plant.FindDevice(userName) is not { } known)
            {
                _dummy.Verify(password ?? string.Empty); // the same work as a wrong password: no user-name oracle
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
