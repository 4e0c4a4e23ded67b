using System.Globalization;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Respond;

/// <summary>
/// Puts containment in force and lifts it: the gate's quarantine list, the broker (deny, disconnect, allow), API
/// access to twins, and the network enforcer. Nothing here writes to the store or decides what to contain.
/// </summary>
/// <param name="plant">The plant model: which names are devices with broker accounts.</param>
/// <param name="quarantine">The gate's quarantine list.</param>
/// <param name="access">API write restrictions on twins.</param>
/// <param name="broker">The broker the devices connect to.</param>
/// <param name="network">Address blocking.</param>
/// <param name="store">Read only: other holds on a device, and where an unknown source tried from.</param>
/// <param name="time">The clock elapsed times are measured with.</param>
/// <param name="targets">Which addresses may be blocked at all (never loopback, this host, management networks, wide prefixes).</param>
public sealed class ContainmentEnforcer(
    PlantModelSource plant, QuarantineList quarantine, AccessRestrictions access, IBrokerEnforcement broker, INetworkEnforcer network, ResponseStore store, TimeProvider time,
    ContainmentTargets targets)
{
    private readonly PlantModelSource _plant = plant;
    private readonly QuarantineList _quarantine = quarantine;
    private readonly AccessRestrictions _access = access;
    private readonly IBrokerEnforcement _broker = broker;
    private readonly INetworkEnforcer _network = network;
    private readonly ResponseStore _store = store;
    private readonly TimeProvider _time = time;

    /// <summary>Which addresses may be blocked.</summary>
    public ContainmentTargets Targets { get; } = targets;

    /// <summary>True when API writes to the asset's twin must be refused.</summary>
    public bool IsReadOnly(string assetId) => _access.IsReadOnly(assetId);

    /// <summary>Rebuilds the network table with exactly these blocked addresses (at start).</summary>
    /// <remarks>A block stored before the targets were checked (or by the CLI) is never put in force when it is unsafe.</remarks>
    public Task InitializeNetworkAsync(IReadOnlyList<string> addresses, CancellationToken cancellationToken) =>
        _network.InitializeAsync(addresses.Where(a => Targets.Refusal(a) is null).ToList(), cancellationToken);

    /// <summary>Puts one containing action in force. Nothing here writes to the store; <paramref name="started"/> is the timestamp the elapsed time counts from.</summary>
    public async Task<Enforcement> EnforceAsync(IncidentContext context, PlaybookAction action, long started, CancellationToken cancellationToken)
    {
        var incident = context.Incident;
        var device = incident.DeviceId is { } d && _plant.Current.FindDevice(d) is not null ? d : null;
        Enforcement Result(string target, bool changed, string detail, params (QuarantineKind, string)[] holds) =>
            new(target, changed ? ActionOutcome.Done : ActionOutcome.AlreadyInPlace, detail, _time.GetElapsedTime(started), holds);
        Enforcement Skip(string target, string why) => new(target, ActionOutcome.Skipped, why, _time.GetElapsedTime(started), []);

        switch (action.Kind)
        {
            case ActionKind.QuarantineSource:
                if (incident.DeviceId is not { } source)
                {
                    return Skip("-", "the incident names no source");
                }

                if (device is null)
                {
                    // Not a device of the plant: the broker already refuses it as unknown. Holding its name on the
                    // quarantine list costs nothing and keeps it refused should a device of that name be added to the
                    // plant model (or the broker's accounts) before an operator has looked. The broker is not asked: it
                    // has no account of that name to disable.
                    return Result(source, _quarantine.AddDevice(source), "not a device of the plant model: the broker refuses it as unknown, and its name is now quarantined", (QuarantineKind.Source, source));
                }

                var newSource = _quarantine.AddDevice(device);
                await _broker.DenyAsync(device, cancellationToken);
                return Result(device, newSource, "the gate refuses its data and the broker its connections", (QuarantineKind.Source, device));

            case ActionKind.QuarantineAsset:
                if (incident.AssetId is not { } asset)
                {
                    return Skip("-", "the incident names no asset");
                }

                return Result(asset, _quarantine.AddAsset(asset), "the gate refuses data for it; the twin holds the last-known-good values", (QuarantineKind.Asset, asset));

            case ActionKind.QuarantineSignals:
                var signals = context.Signals;
                if (signals.Count == 0)
                {
                    return Skip("-", "the incident's findings name no signal");
                }

                var anyNew = false;
                foreach (var signal in signals)
                {
                    var slash = signal.IndexOf('/', StringComparison.Ordinal);
                    anyNew |= _quarantine.AddSignal(signal[..slash], signal[(slash + 1)..]);
                }

                return Result(string.Join(",", signals), anyNew, "the gate refuses these signals' values", signals.Select(s => (QuarantineKind.Signal, s)).ToArray());

            case ActionKind.Disconnect:
                if (device is null)
                {
                    return Skip(incident.DeviceId ?? "-", "no device of the plant model to disconnect");
                }

                var dropped = await _broker.DisconnectAsync(device, cancellationToken);
                return Result(device, true, string.Create(CultureInfo.InvariantCulture, $"{dropped} connection(s) dropped"));

            case ActionKind.RevokeCredentials:
                if (device is null)
                {
                    return Skip(incident.DeviceId ?? "-", "no device of the plant model whose credentials could be revoked");
                }

                var newRevocation = _quarantine.RevokeCredentials(device);
                await _broker.DenyAsync(device, cancellationToken);
                return Result(device, newRevocation, "its logins are refused until released", (QuarantineKind.Credentials, device));

            case ActionKind.ReadOnly:
                if (incident.AssetId is not { } readOnlyAsset)
                {
                    return Skip("-", "the incident names no asset");
                }

                return Result(readOnlyAsset, _access.Restrict(readOnlyAsset), "API writes to its twin are refused", (QuarantineKind.ReadOnly, readOnlyAsset));

            default:
                var addresses = action.Target == "source" ? context.Addresses.Select(a => NftRules.Normalize(a).Text).Distinct().ToList() : [NftRules.Normalize(action.Target).Text];
                if (addresses.Count == 0)
                {
                    return Skip(incident.DeviceId ?? "-", "no address is known for the incident's source");
                }

                var unsafeTargets = addresses.Select(Targets.Refusal).OfType<string>().ToList();
                if (unsafeTargets.Count > 0)
                {
                    addresses = addresses.Where(a => Targets.Refusal(a) is null).ToList();
                    if (addresses.Count == 0)
                    {
                        return Skip(string.Join(",", context.Addresses), "never blocked: " + string.Join("; ", unsafeTargets));
                    }
                }

                var rules = new List<string>();
                foreach (var address in addresses)
                {
                    rules.Add(await _network.BlockAsync(address, cancellationToken));
                }

                return Result(string.Join(",", addresses), true, string.Join("; ", rules), addresses.Select(a => (QuarantineKind.Address, a)).ToArray());
        }
    }

    /// <summary>Where the incident's source connects or tried to connect from (for <c>block_address: source</c>).</summary>
    public async Task<IReadOnlyList<string>> AddressesOfAsync(Incident incident, CancellationToken cancellationToken)
    {
        if (incident.DeviceId is not { } device)
        {
            return [];
        }

        if (_plant.Current.FindDevice(device) is not null)
        {
            return await _broker.EndpointsOfAsync(device, cancellationToken);
        }

        // Not a device of the plant: it never got a connection, but the gate kept where it tried from.
        return _store.RecentRefusalEndpoints(device, incident.Opened - _plant.Current.Correlation.Window);
    }

    /// <summary>Puts a stored containment in force; when restoring at start, the broker has no connections to drop yet.</summary>
    public async Task ApplyAsync(QuarantineEntry entry, CancellationToken cancellationToken, bool restoring = false)
    {
        switch (entry.Kind)
        {
            case QuarantineKind.Source:
                _quarantine.AddDevice(entry.Target);
                if (!IsPlantDevice(entry.Target))
                {
                    break; // an unknown client's name: the broker has no account to disable (see EnforceAsync)
                }

                await _broker.DenyAsync(entry.Target, cancellationToken);
                if (!restoring)
                {
                    await _broker.DisconnectAsync(entry.Target, cancellationToken);
                }

                break;
            case QuarantineKind.Credentials:
                _quarantine.RevokeCredentials(entry.Target);
                await _broker.DenyAsync(entry.Target, cancellationToken);
                if (!restoring)
                {
                    await _broker.DisconnectAsync(entry.Target, cancellationToken);
                }

                break;
            case QuarantineKind.Asset:
                _quarantine.AddAsset(entry.Target);
                break;
            case QuarantineKind.Signal:
                var (asset, signal) = SplitSignal(entry.Target);
                _quarantine.AddSignal(asset, signal);
                break;
            case QuarantineKind.ReadOnly:
                _access.Restrict(entry.Target);
                break;
            default:
                if (Targets.Refusal(entry.Target) is null)
                {
                    await _network.BlockAsync(entry.Target, cancellationToken);
                }

                break;
        }
    }

    /// <summary>Lifts a released containment; returns what it means for the target now.</summary>
    public async Task<string> LiftAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        string detail;
        switch (entry.Kind)
        {
            case QuarantineKind.Source:
                _quarantine.ReleaseDevice(entry.Target);
                detail = await AllowIfFreeAsync(entry, QuarantineKind.Credentials, cancellationToken);
                break;
            case QuarantineKind.Credentials:
                _quarantine.RestoreCredentials(entry.Target);
                detail = await AllowIfFreeAsync(entry, QuarantineKind.Source, cancellationToken);
                break;
            case QuarantineKind.Asset:
                _quarantine.ReleaseAsset(entry.Target);
                detail = "the gate accepts its data again";
                break;
            case QuarantineKind.Signal:
                var (asset, signal) = SplitSignal(entry.Target);
                _quarantine.ReleaseSignal(asset, signal);
                detail = "the gate accepts its values again";
                break;
            case QuarantineKind.ReadOnly:
                _access.Lift(entry.Target);
                detail = "API writes to its twin are allowed again";
                break;
            default:
                detail = await _network.UnblockAsync(entry.Target, cancellationToken);
                break;
        }


        return detail;
    }

    /// <summary>A device may connect again only when neither its quarantine nor its revocation holds.</summary>
    private async Task<string> AllowIfFreeAsync(QuarantineEntry entry, QuarantineKind other, CancellationToken cancellationToken)
    {
        if (_store.FindActive(other, entry.Target) is { } holding)
        {
            return string.Create(CultureInfo.InvariantCulture, $"still refused: {ResponseStore.Name(other)} quarantine {holding.Id} holds");
        }

        if (!IsPlantDevice(entry.Target))
        {
            return "not a device of the plant model: the broker still refuses it as unknown";
        }

        await _broker.AllowAsync(entry.Target, cancellationToken);
        return "it may connect and publish again";
    }

    private bool IsPlantDevice(string deviceId) => _plant.Current.FindDevice(deviceId) is not null;

    private static (string Asset, string Signal) SplitSignal(string target)
    {
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? (target[..slash], target[(slash + 1)..]) : throw new FormatException($"'{target}' is not asset/signal");
    }
}
