using System.Collections.Concurrent;

namespace TwinGuard.Twins.Gate;

/// <summary>Sources, assets and signals whose data the gate refuses until they are released.</summary>
/// <remarks>Read on every message, written rarely: lookups are lock-free. The respond stage adds and releases entries.</remarks>
public sealed partial class QuarantineList
{
    private readonly ConcurrentDictionary<string, byte> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _assets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _signals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _revoked = new(StringComparer.Ordinal);

    // ConcurrentDictionary.IsEmpty and Count take every lock of the dictionary when it is empty (the common case), and
    // the gate and the twins ask on every message from several threads: they contended on those locks. Lookups are
    // lock-free (ContainsKey); whether any signal is quarantined is counted here instead.
    private int _signalCount;

    /// <summary>Quarantines a device (source). Returns false when it already was.</summary>
    public bool AddDevice(string deviceId) => Changed(_devices.TryAdd(deviceId, 0), QuarantineChangeKind.AddDevice, deviceId);

    /// <summary>Quarantines an asset. Returns false when it already was.</summary>
    public bool AddAsset(string assetId) => Changed(_assets.TryAdd(assetId, 0), QuarantineChangeKind.AddAsset, assetId);

    /// <summary>Quarantines one signal of an asset. Returns false when it already was.</summary>
    public bool AddSignal(string assetId, string signalId) => Changed(AddSignalKey(Key(assetId, signalId)), QuarantineChangeKind.AddSignal, Key(assetId, signalId));

    /// <summary>Releases a device. Returns false when it was not quarantined.</summary>
    public bool ReleaseDevice(string deviceId) => Changed(_devices.TryRemove(deviceId, out _), QuarantineChangeKind.ReleaseDevice, deviceId);

    /// <summary>Releases an asset. Returns false when it was not quarantined.</summary>
    public bool ReleaseAsset(string assetId) => Changed(_assets.TryRemove(assetId, out _), QuarantineChangeKind.ReleaseAsset, assetId);

    /// <summary>Releases a signal. Returns false when it was not quarantined.</summary>
    public bool ReleaseSignal(string assetId, string signalId) => Changed(RemoveSignalKey(Key(assetId, signalId)), QuarantineChangeKind.ReleaseSignal, Key(assetId, signalId));

    /// <summary>True when the device is quarantined.</summary>
    public bool IsDeviceQuarantined(string deviceId) => _devices.ContainsKey(deviceId);

    /// <summary>True when the asset is quarantined.</summary>
    public bool IsAssetQuarantined(string assetId) => _assets.ContainsKey(assetId);

    /// <summary>True when the signal is quarantined.</summary>
    public bool IsSignalQuarantined(string assetId, string signalId) => HasSignals && _signals.ContainsKey(Key(assetId, signalId));

    /// <summary>Revokes a device's credentials: the broker refuses its logins. Returns false when they already were.</summary>
    public bool RevokeCredentials(string deviceId) => Changed(_revoked.TryAdd(deviceId, 0), QuarantineChangeKind.RevokeCredentials, deviceId);

    /// <summary>Restores a device's credentials. Returns false when they were not revoked.</summary>
    public bool RestoreCredentials(string deviceId) => Changed(_revoked.TryRemove(deviceId, out _), QuarantineChangeKind.RestoreCredentials, deviceId);

    /// <summary>True when the device's credentials are revoked.</summary>
    public bool AreCredentialsRevoked(string deviceId) => _revoked.ContainsKey(deviceId);

    /// <summary>True when any signal is quarantined (lets the gate skip per-value checks in the common case).</summary>
    public bool HasSignals => Volatile.Read(ref _signalCount) > 0;

    private bool AddSignalKey(string key)
    {
        if (!_signals.TryAdd(key, 0))
        {
            return false;
        }

        Interlocked.Increment(ref _signalCount);
        return true;
    }

    private bool RemoveSignalKey(string key)
    {
        if (!_signals.TryRemove(key, out _))
        {
            return false;
        }

        Interlocked.Decrement(ref _signalCount);
        return true;
    }

    private static string Key(string assetId, string signalId) => assetId + "/" + signalId;
}
