using System.Collections.Concurrent;

namespace TwinGuard.Twins.Respond;

/// <summary>Twins made read-only for API writes (IEC 62443-3-3 SR 2.1, authorisation enforcement): the API checks <see cref="IsReadOnly"/>.</summary>
public sealed class AccessRestrictions
{
    private readonly ConcurrentDictionary<string, byte> _readOnly = new(StringComparer.Ordinal);

    /// <summary>True when writes to the asset's twin through the API must be refused.</summary>
    public bool IsReadOnly(string assetId) => !_readOnly.IsEmpty && _readOnly.ContainsKey(assetId);

    /// <summary>Makes the twin read-only; false when it already was.</summary>
    public bool Restrict(string assetId) => _readOnly.TryAdd(assetId, 0);

    /// <summary>Lifts the restriction; false when there was none.</summary>
    public bool Lift(string assetId) => _readOnly.TryRemove(assetId, out _);
}
