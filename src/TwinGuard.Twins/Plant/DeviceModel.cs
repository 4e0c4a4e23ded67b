using System.Net;

namespace TwinGuard.Twins.Plant;

/// <summary>A source of readings (PLC, gateway, sensor node): its identity, credentials and what it may publish.</summary>
/// <param name="Id">The device's identity; also its MQTT user name.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="PasswordHash">
/// PBKDF2 hash of a human-chosen password (<see cref="PasswordHash"/>); null for a device that proves itself by certificate
/// only or by a generated secret (<see cref="SecretHash"/>).
/// </param>
/// <param name="Topics">MQTT topic filters (with <c>+</c> and <c>#</c>) the device may publish to.</param>
public sealed record DeviceModel(string Id, string Name, PasswordHash? PasswordHash, IReadOnlyList<string> Topics)
{
    /// <summary>
    /// The addresses (or networks) the device connects from; empty when the plant model does not say, and then any
    /// address is accepted. Valid credentials presented from elsewhere are refused: they were stolen, or the device
    /// moved without its model being updated.
    /// </summary>
    public IReadOnlyList<IPNetwork> Addresses { get; init; } = [];

    /// <summary>The client certificate the device must present (over an <c>mqtts</c> listener); null when it uses a password only.</summary>
    /// <remarks>With both a certificate and a password hash, the device needs both.</remarks>
    public DeviceCertificate? Certificate { get; init; }

    /// <summary>
    /// The verifier of a generated device secret (<c>secret_hash</c>, <c>twinguard device-secret</c>); null for a device with
    /// a human password (<see cref="PasswordHash"/>) or a certificate only. A device has at most one of the two.
    /// </summary>
    /// <remarks>With a certificate too, the device needs both, as with a password.</remarks>
    public DeviceSecretHash? SecretHash { get; init; }

    /// <summary>True when the device logs in with a password (a human one or a generated secret), as well as or instead of a certificate.</summary>
    public bool HasPassword => PasswordHash is not null || SecretHash is not null;

    /// <summary>The stored form of its password verifier (either kind), or null: what a reload compares to tell a rotated credential.</summary>
    public string? PasswordVerifier => PasswordHash?.ToString() ?? SecretHash?.ToString();

    /// <summary>Topic filters the device may subscribe to; empty (the default): it publishes only, every SUBSCRIBE is refused.</summary>
    public IReadOnlyList<string> Subscribe { get; init; } = [];

    /// <summary>
    /// For an edge agent (<c>twinguard-edge</c>, <c>edge: { ledger_key: ... }</c> in the plant model): the verifier key of
    /// the edge's own ledger, whose checkpoints the site cosigns. Null for a device. An edge publishes only on
    /// <c>edge/ID/up</c> and reads <c>edge/ID/down</c> (docs/edge.md).
    /// </summary>
    public string? EdgeLedgerKey { get; init; }

    /// <summary>For a peer site (<c>peer:</c> in the plant model, docs/sharing.md): its pinned key and CA and what is shared with it; null for a device.</summary>
    public PeerModel? Peer { get; init; }

    /// <summary>True when <paramref name="address"/> may be this device's (always, when no addresses are declared).</summary>
    public bool IsExpectedAddress(IPAddress address)
    {
        if (Addresses.Count == 0)
        {
            return true;
        }

        var normal = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var network in Addresses)
        {
            if (network.Contains(normal))
            {
                return true;
            }
        }

        return false;
    }
}
