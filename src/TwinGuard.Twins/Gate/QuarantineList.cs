using System.Collections.Concurrent;

namespace TwinGuard.Twins.Gate;

/// <summary>Sources, assets and signals whose data the gate refuses until they are released.</summary>
/// <remarks>Read on every message, written rarely: lookups are lock-free. The respond stage adds and releases entries.</remarks>
public sealed class QuarantineList
{
    private readonly ConcurrentDictionary<string, byte> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _assets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _signals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _revoked = new(StringComparer.Ordinal);

    /// <summary>Quarantines a device (source). Returns false when it already was.</summary>
    public bool AddDevice(string deviceId) => _devices.TryAdd(deviceId, 0);

    /// <summary>Quarantines an asset. Returns false when it already was.</summary>
    public bool AddAsset(string assetId) => _assets.TryAdd(assetId, 0);

    /// <summary>Quarantines one signal of an asset. Returns false when it already was.</summary>
    public bool AddSignal(string assetId, string signalId) => _signals.TryAdd(Key(assetId, signalId), 0);

    /// <summary>Releases a device. Returns false when it was not quarantined.</summary>
    public bool ReleaseDevice(string deviceId) => _devices.TryRemove(deviceId, out _);

    /// <summary>Releases an asset. Returns false when it was not quarantined.</summary>
    public bool ReleaseAsset(string assetId) => _assets.TryRemove(assetId, out _);

    /// <summary>Releases a signal. Returns false when it was not quarantined.</summary>
    public bool ReleaseSignal(string assetId, string signalId) => _signals.TryRemove(Key(assetId, signalId), out _);

    /// <summary>True when the device is quarantined.</summary>
    public bool IsDeviceQuarantined(string deviceId) => !_devices.IsEmpty && _devices.ContainsKey(deviceId);

    /// <summary>True when the asset is quarantined.</summary>
    public bool IsAssetQuarantined(string assetId) => !_assets.IsEmpty && _assets.ContainsKey(assetId);

    /// <summary>True when the signal is quarantined.</summary>
    public bool IsSignalQuarantined(string assetId, string signalId) => !_signals.IsEmpty && _signals.ContainsKey(Key(assetId, signalId));

    /// <summary>Revokes a device's credentials: the broker refuses its logins. Returns false when they already were.</summary>
    public bool RevokeCredentials(string deviceId) => _revoked.TryAdd(deviceId, 0);

    /// <summary>Restores a device's credentials. Returns false when they were not revoked.</summary>
    public bool RestoreCredentials(string deviceId) => _revoked.TryRemove(deviceId, out _);

    /// <summary>True when the device's credentials are revoked.</summary>
    public bool AreCredentialsRevoked(string deviceId) => !_revoked.IsEmpty && _revoked.ContainsKey(deviceId);

    /// <summary>True when any signal is quarantined (lets the gate skip per-value checks in the common case).</summary>
    public bool HasSignals => !_signals.IsEmpty;

    private static string Key(string assetId, string signalId) => assetId + "/" + signalId;
}
