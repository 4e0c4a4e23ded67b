using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>Checks a device's credentials against the plant model's salted hashes.</summary>
/// <remarks>
/// <para>PBKDF2 costs tens of milliseconds on purpose. A successful check is remembered as a SHA-256 digest of the password
/// so that a device that reconnects often does not pay it again; a changed or revoked credential misses the cache.</para>
/// <para>An unknown user name costs the same PBKDF2 as a known one with a wrong password (against a fixed dummy hash of
/// the plant's highest iteration count), so the answer time does not tell which device ids exist.</para>
/// <para>Password checks run at most <see cref="PreLogin.PreLoginLimits.ConcurrentPasswordChecks"/> at a time
/// (<see cref="AuthenticateAsync"/>): failed logins, from however many addresses, can hold that many cores and no more.</para>
/// </remarks>
public sealed class DeviceAuthenticator
{
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);
    private readonly PlantModel _plant;
    private readonly PasswordHash _dummy;
    private readonly SemaphoreSlim _checks;

    /// <summary>Creates an authenticator for <paramref name="plant"/>'s devices with the broker's limits.</summary>
    public DeviceAuthenticator(PlantModel plant, BrokerOptions options)
    {
        _plant = plant;
        var iterations = plant.Devices.Select(static d => d.PasswordHash.Iterations).DefaultIfEmpty(PasswordHash.DefaultIterations).Max();
        _dummy = PasswordHash.Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)), iterations);
        _checks = new SemaphoreSlim(Math.Max(1, options.Limits.ConcurrentPasswordChecks));
    }

    /// <summary>Creates an authenticator with the default limits.</summary>
    public DeviceAuthenticator(PlantModel plant)
        : this(plant, BrokerOptions.Default)
    {
    }

    /// <summary>Returns the device, or the reason the credentials are refused; waits its turn for a password check.</summary>
    public async ValueTask<(DeviceModel? Device, ReasonCode? Refusal)> AuthenticateAsync(string? userName, string? password, CancellationToken cancellationToken)
    {
        if (Remembered(userName, password) is { } device)
        {
            return (device, null);
        }

        await _checks.WaitAsync(cancellationToken);
        try
        {
            return Authenticate(userName, password);
        }
        finally
        {
            _checks.Release();
        }
    }

    /// <summary>Returns the device, or the reason the credentials are refused.</summary>
    public (DeviceModel? Device, ReasonCode? Refusal) Authenticate(string? userName, string? password)
    {
        if (Remembered(userName, password) is { } remembered)
        {
            return (remembered, null);
        }

        if (string.IsNullOrEmpty(userName) || _plant.FindDevice(userName) is not { } device)
        {
            _dummy.Verify(password ?? string.Empty); // the same work as a wrong password: no user-name oracle
            return (null, ReasonCode.UnknownSource);
        }

        if (!device.PasswordHash.Verify(password ?? string.Empty))
        {
            return (null, ReasonCode.BadCredentials);
        }

        _verified[device.Id] = Digest(password);
        return (device, null);
    }

    private DeviceModel? Remembered(string? userName, string? password) =>
        !string.IsNullOrEmpty(userName) && _plant.FindDevice(userName) is { } device
            && _verified.TryGetValue(device.Id, out var known) && CryptographicOperations.FixedTimeEquals(known, Digest(password))
            ? device
            : null;

    private static byte[] Digest(string? password) => SHA256.HashData(Encoding.UTF8.GetBytes(password ?? string.Empty));
}
