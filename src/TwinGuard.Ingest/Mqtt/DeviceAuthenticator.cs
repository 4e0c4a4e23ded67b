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
    // Keyed by the device's hash as well: a reload that rotates a password makes the old one miss the cache.
    private readonly ConcurrentDictionary<string, (PasswordHash Hash, byte[] Digest)> _verified = new(StringComparer.Ordinal);
    private readonly PlantModelSource _source;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _checks;
    private Trust _trust;

    /// <summary>Creates an authenticator for the devices of the model in force in <paramref name="plant"/> with the broker's limits.</summary>
    /// <remarks>A reload applies from the next CONNECT: devices, password hashes, certificates and the <c>tls:</c> trust.</remarks>
    public DeviceAuthenticator(PlantModelSource plant, BrokerOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(plant);
        ArgumentNullException.ThrowIfNull(options);
        (_source, _time) = (plant, time);
        _trust = Trust.For(plant.Current, time, null);
        _checks = new SemaphoreSlim(Math.Max(1, options.Limits.ConcurrentPasswordChecks));
    }

    /// <summary>An authenticator with the default limits on the system clock.</summary>
    public DeviceAuthenticator(PlantModelSource plant)
        : this(plant, BrokerOptions.Default, TimeProvider.System)
    {
    }

    /// <summary>
    /// Authenticates on a password check slot (<see cref="Authenticate(string?, string?, X509Certificate2?)"/>): waits its
    /// turn. A device whose password was verified before is let in without a slot: it costs no PBKDF2, and must not queue
    /// behind failed logins, which whoever can reach the broker can keep coming (each holds the slot for a PBKDF2, seconds
    /// on a loaded machine), while a contained device's reconnection waits behind them.
    /// </summary>
    public async ValueTask<DeviceAuthentication> AuthenticateAsync(string? userName, string? password, X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        if (certificate is null && !string.IsNullOrEmpty(userName) && CurrentTrust().Plant.FindDevice(userName) is { Certificate: null } device
            && IsRemembered(device, SHA256.HashData(Encoding.UTF8.GetBytes(password ?? string.Empty))))
        {
            return DeviceAuthentication.Accepted(device);
        }

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

    /// <summary>
    /// The refusal of a password login (no certificate) whose user name names no device of the model in force; null when
    /// it names one. It costs nothing, so the broker records the refusal at once, then lets
    /// <see cref="AuthenticateAsync"/> spend the dummy check that keeps the answer's time from telling which names exist.
    /// </summary>
    public DeviceAuthentication? RefusalOfUnknownName(string? userName, X509Certificate2? certificate) =>
        certificate is null && (string.IsNullOrEmpty(userName) || CurrentTrust().Plant.FindDevice(userName) is null) ? UnknownName(userName) : null;

    private static DeviceAuthentication UnknownName(string? userName) => DeviceAuthentication.Refused(ReasonCode.UnknownSource, $"unknown source '{userName}'");

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
        var trust = CurrentTrust();
        var plant = trust.Plant;
        DeviceModel? device;
        if (certificate is not null)
        {
            if (string.IsNullOrEmpty(userName))
            {
                // The certificate alone names the device: the first whose declaration it satisfies.
                if (trust.Certificates.Usable(certificate) is { } unusable)
                {
                    return DeviceAuthentication.Refused(ReasonCode.BadCertificate, unusable);
                }

                device = plant.Devices.FirstOrDefault(d => d.Certificate is { } declared && trust.Certificates.Problem(certificate, declared) is null);
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

                if (trust.Certificates.Problem(certificate, device.Certificate) is { } problem)
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
                trust.Dummy.Verify(password ?? string.Empty); // the same work as a wrong password: no user-name oracle
                return UnknownName(userName);
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
        if (IsRemembered(device, digest))
        {
            return DeviceAuthentication.Accepted(device);
        }

        if (device.PasswordHash?.Verify(password ?? string.Empty) != true)
        {
            return DeviceAuthentication.Refused(ReasonCode.BadCredentials, $"wrong password for device '{device.Id}'");
        }

        _verified[device.Id] = (device.PasswordHash, digest);
        return DeviceAuthentication.Accepted(device);
    }

    /// <summary>True when this password (its SHA-256 <paramref name="digest"/>) was verified for the device's current hash.</summary>
    private bool IsRemembered(DeviceModel device, byte[] digest) =>
        _verified.TryGetValue(device.Id, out var known) && ReferenceEquals(known.Hash, device.PasswordHash) && CryptographicOperations.FixedTimeEquals(known.Digest, digest);

    /// <summary>The trust of the model in force, rebuilt at the first CONNECT after a reload.</summary>
    private Trust CurrentTrust()
    {
        var trust = Volatile.Read(ref _trust);
        var plant = _source.Current;
        if (ReferenceEquals(trust.Plant, plant))
        {
            return trust;
        }

        var next = Trust.For(plant, _time, trust.Dummy);
        Interlocked.CompareExchange(ref _trust, next, trust);
        return next;
    }

    /// <summary>What one model trusts: its devices, its certificate rules, and the dummy hash at its highest cost.</summary>
    private sealed record Trust(PlantModel Plant, DeviceCertificateCheck Certificates, PasswordHash Dummy)
    {
        public static Trust For(PlantModel plant, TimeProvider time, PasswordHash? dummy)
        {
            var iterations = Math.Max(1000, plant.Devices.Select(static d => d.PasswordHash?.Iterations ?? 0).DefaultIfEmpty(0).Max());
            return new Trust(plant, new DeviceCertificateCheck(plant.Tls, time),
                dummy is { } kept && kept.Iterations == iterations ? kept : PasswordHash.Unmatchable(iterations));
        }
    }
}
