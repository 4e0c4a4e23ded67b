using System.Globalization;

namespace TwinGuard.Twins.Respond;

/// <summary>Putting stored containments in force (at start, or when the CLI adds one) and lifting them on release.</summary>
public sealed partial class ResponseEngine
{
    /// <summary>
    /// At start: every active containment back in force (a quarantine survives a restart of serve), the network table
    /// rebuilt with exactly the blocked addresses, and releases asked for while serve was down carried out.
    /// </summary>
    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        var active = _store.Quarantines();
        foreach (var entry in active.Where(e => e.Kind != QuarantineKind.Address))
        {
            await ApplyAsync(entry, cancellationToken, restoring: true);
            _applied.Add(entry.Id);
        }

        // A block stored before the targets were checked (or by the CLI) is never put in force when it is unsafe.
        await _network.InitializeAsync(active.Where(e => e.Kind == QuarantineKind.Address && _targets.Refusal(e.Target) is null).Select(e => e.Target).ToList(), cancellationToken);
        foreach (var entry in active.Where(e => e.Kind == QuarantineKind.Address))
        {
            _applied.Add(entry.Id);
        }

        foreach (var entry in _store.ReleasedNotLifted())
        {
            await LiftAsync(entry, cancellationToken);
        }
    }

    /// <summary>Puts a stored containment in force; when restoring at start, the broker has no connections to drop yet.</summary>
    private async Task ApplyAsync(QuarantineEntry entry, CancellationToken cancellationToken, bool restoring = false)
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
                if (_targets.Refusal(entry.Target) is null)
                {
                    await _network.BlockAsync(entry.Target, cancellationToken);
                }

                break;
        }
    }

    /// <summary>Lifts a released containment, marks it lifted and records who released it and why.</summary>
    private async Task LiftAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
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

        _applied.Remove(entry.Id);
        _store.MarkLifted(entry.Id);
        if (entry.IncidentId is { } incidentId)
        {
            // Released means the operator judged the incident handled: if the source misbehaves again, that is a new
            // incident and the playbooks run again, even within the correlation window.
            _record?.CloseIncident(incidentId, _time.GetUtcNow(), "released");
        }


        _store.Record(entry.IncidentId, null, "release: " + ResponseStore.Name(entry.Kind), entry.Target, ActionOutcome.Released, entry.ReleasedBy ?? "unknown",
            string.Create(CultureInfo.InvariantCulture, $"quarantine {entry.Id} released: {entry.ReleaseReason}; {detail}"), _time.GetElapsedTime(started));
        try
        {
            await _reports.AppendReleaseAsync(entry, _time.GetUtcNow(), cancellationToken);
        }
        catch (IOException ex)
        {
            LogActionFailed(_logger, ex, "report release", entry.By, entry.IncidentId ?? 0);
        }
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

    private bool IsPlantDevice(string deviceId) => _plant.FindDevice(deviceId) is not null;

    private static (string Asset, string Signal) SplitSignal(string target)
    {
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? (target[..slash], target[(slash + 1)..]) : throw new FormatException($"'{target}' is not asset/signal");
    }
}
