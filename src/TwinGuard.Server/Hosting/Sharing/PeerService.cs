using System.Net;
using System.Text;
using System.Text.Json;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Feeds;
using TwinGuard.Intel.Formats.Misp;
using TwinGuard.Intel.Indicators;
using TwinGuard.Intel.Sharing;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;
using TwinGuard.Twins.Share;

namespace TwinGuard.Server.Hosting.Sharing;

/// <summary>
/// Wires sharing into the site: the broker hands peer messages to the <see cref="PeerInbox"/>; what the inbox keeps is
/// applied here (a peer's indicators become the intel feed <c>peer:ID</c>, and for a peer with <c>block: true</c> its
/// addresses are refused at the broker before login); every incident correlate opens is shared through the
/// <see cref="PeerSender"/> (its summary, and its source addresses as a MISP event), and one <see cref="PeerLink"/> per
/// peer with a broker drains that peer's outbox. Ledger checkpoints go both ways: this site's to the peers allowed
/// them (<see cref="PeerCheckpoints"/>), and the peers' are cosigned here and answered (<see cref="PeerWitness"/>).
/// </summary>
/// <remarks>Runs on every site, peers declared or not, so that a reload that declares the first peer starts sharing.</remarks>
internal sealed partial class PeerService(
    HostSettings settings, PlantModelSource plant, PeerInbox inbox, PeerSender sender, PeerWitness witness, PeerCheckpoints checkpoints, EmbeddedBroker broker,
    CorrelateStage correlate, FeedRefresher refresher, ContainmentEnforcer enforcer, EvidenceSink evidence, ILogger<PeerService> logger) : IHostedService
{
    // One finding per denied address per this long: a refused attacker cannot flood the pipeline through the refusals.
    private static readonly TimeSpan DeniedFindingEvery = TimeSpan.FromSeconds(10);
    private readonly Dictionary<IPAddress, (string Peer, long Raised)> _deniedBy = [];
    private readonly PeerInboxLimits _limits = new();
    private readonly Dictionary<string, List<Indicator>> _indicators = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _following = new(1, 1);
    private volatile IReadOnlyList<PeerLink> _links = [];
    private volatile IReadOnlySet<IPAddress> _denied = new HashSet<IPAddress>();
    private Task _applying = Task.CompletedTask;

    /// <summary>The links to the peers this site sends to.</summary>
    public IReadOnlyList<PeerLink> Links => _links;

    /// <summary>Addresses refused at the broker because a peer with <c>block: true</c> reported them.</summary>
    public IReadOnlySet<IPAddress> Denied => _denied;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // What peers sent before a restart is intel again at once.
        foreach (var (peer, message) in inbox.Messages("indicators"))
        {
            Learn(peer, message);
        }

        Publish();
        witness.Problem += problem => LogWitnessProblem(logger, problem);
        witness.Follow(plant.Current);
        checkpoints.Problem += problem => LogCheckpointProblem(logger, problem);
        checkpoints.Start();
        inbox.Apply = ApplyAsync;
        broker.Peers = inbox;
        broker.Admission.Denied = IsDenied;
        correlate.IncidentOpened += OnIncidentOpened;
        _applying = Task.Run(() => inbox.RunAsync(_stopping.Token), CancellationToken.None);
        _links = [.. sender.Peers.Select(p => StartLink(plant.Current, p.Peer, p.Outbox))];
        inbox.CurrentPeer = id => plant.Current.FindDevice(id);
        plant.Changed += OnPlantChanged;
        LogPeers(logger, plant.Current.Devices.Count(d => d.Peer is not null), _links.Count, File.ReadAllText(Path.Combine(settings.DataDirectory, "peering", "peer.vkey")).Trim());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        correlate.IncidentOpened -= OnIncidentOpened;
        plant.Changed -= OnPlantChanged;
        broker.Peers = null;
        broker.Admission.Denied = null;
        await checkpoints.DisposeAsync();
        await _stopping.CancelAsync();
        try
        {
            await _applying.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await _following.WaitAsync(cancellationToken);
        try
        {
            foreach (var link in _links)
            {
                await link.DisposeAsync();
            }

            _links = [];
        }
        finally
        {
            _following.Release();
        }
    }

    private PeerLink StartLink(PlantModel model, Twins.Plant.DeviceModel peer, Twins.Uplink.Outbox outbox)
    {
        var link = new PeerLink(model.Site.Id, peer, model.Sharing, outbox, settings.Time, logger);
        link.Start();
        return link;
    }

    private void OnPlantChanged(PlantModel previous, PlantModel current) => _ = FollowAsync(current);

    /// <summary>
    /// A reload added, removed or changed peers: the sender follows (outboxes, policies), a link whose peer is gone or
    /// now reached otherwise (broker, CA, this site's certificate) is closed and opened again as needed, a removed
    /// peer's indicators leave the intel feeds and the broker's deny list, and the inbox verifies with the keys in force
    /// from the next message (<see cref="PeerInbox.CurrentPeer"/>). No restart.
    /// </summary>
    internal async Task FollowAsync(PlantModel current)
    {
        await _following.WaitAsync(_stopping.Token);
        try
        {
            var closed = sender.Follow(current);
            witness.Follow(current);
            var wanted = sender.Peers.ToDictionary(p => p.Peer.Id, StringComparer.Ordinal);
            var links = new List<PeerLink>();
            foreach (var link in _links)
            {
                if (wanted.TryGetValue(link.Peer.Id, out var want) && SameLink(link.Peer, want.Peer) && link.Sharing == current.Sharing)
                {
                    links.Add(link);
                }
                else
                {
                    await link.DisposeAsync();
                }
            }

            links.AddRange(wanted.Values.Where(w => !links.Any(l => l.Peer.Id == w.Peer.Id)).Select(w => StartLink(current, w.Peer, w.Outbox)));
            _links = links;
            foreach (var outbox in closed)
            {
                outbox.Dispose();
            }

            lock (_indicators)
            {
                foreach (var gone in _indicators.Keys.Where(id => current.FindDevice(id)?.Peer is null).ToList())
                {
                    _indicators.Remove(gone);
                    refresher.Publish("peer:" + gone, []);
                }
            }

            Publish();
            LogFollowed(logger, current.Devices.Count(d => d.Peer is not null), links.Count);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            _following.Release();
        }
    }

    private static bool SameLink(Twins.Plant.DeviceModel running, Twins.Plant.DeviceModel wanted) =>
        string.Equals(running.Peer!.Broker, wanted.Peer!.Broker, StringComparison.Ordinal) && string.Equals(running.Peer.CaFile, wanted.Peer.CaFile, StringComparison.Ordinal);

    private void OnIncidentOpened(Incident incident) => _ = ShareAsync(incident);

    private async Task ShareAsync(Incident incident)
    {
        try
        {
            // Where its source connects from now (a device of the plant), or its findings' own addresses.
            var connected = await enforcer.AddressesOfAsync(incident, _stopping.Token);
            var addresses = incident.Members.Select(m => m.RemoteAddress).OfType<string>().Concat(connected.Select(e => AddressBlock.AddressOf(e)?.ToString() ?? e))
                .Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).OfType<IPAddress>().Distinct().ToList();
            sender.ShareIncident(incident, [.. addresses.Select(a => a.ToString())]);
            if (addresses.Count > 0)
            {
                var sightings = addresses.Select(a => new Sighting(new IndicatorAtom(IndicatorType.IPAddress, a.ToString()), incident.Opened, incident.Opened, 1,
                    $"incident {incident.Id} at {settings.Plant.Site.Id}: {string.Join(", ", incident.Reasons.Select(r => Twins.Findings.ReasonCodes.Name(r)))}") { IsSource = true }).ToList();
                var (ev, _) = SightingExporter.Event(sightings, settings.Plant.Site.Id, settings.Time.GetUtcNow());
                using var document = JsonDocument.Parse(ev.ToJsonString());
                sender.ShareIndicators(document.RootElement);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            LogShareFailed(logger, ex, incident.Id);
        }
    }

    // On the accept path, before anything is read: a set lookup, and now and then a finding.
    private bool IsDenied(IPAddress address)
    {
        if (!_denied.Contains(address))
        {
            return false;
        }

        var now = settings.Time.GetTimestamp();
        string? peer = null;
        lock (_deniedBy)
        {
            if (_deniedBy.TryGetValue(address, out var by) && (by.Raised == 0 || settings.Time.GetElapsedTime(by.Raised, now) >= DeniedFindingEvery))
            {
                _deniedBy[address] = (by.Peer, now);
                peer = by.Peer;
            }
        }

        if (peer is not null)
        {
            // Critical: a peer saw this address attack, and now it tries here; an incident opens at once.
            evidence.Raise(new Finding(settings.Time.GetUtcNow(), ReasonCode.IntelMatch, Severity.Critical, null, null, null, null, 1,
                $"connection from {address} refused before login: peer '{peer}' reported it attacking (intel feed 'peer:{peer}')")
            {
                RemoteAddress = address.ToString(),
                SourceBlock = AddressBlock.Of(address).ToString(),
            });
        }

        return true;
    }

    private async Task ApplyAsync(string peer, PeerMessage message, CancellationToken cancellationToken)
    {
        switch (message.Kind)
        {
            case "checkpoint" when plant.Current.FindDevice(peer) is { Peer: not null } device:
                await CosignAsync(device, message.Checkpoint!, cancellationToken);
                break;
            case "cosignature" when plant.Current.FindDevice(peer) is { Peer: not null } device:
                if (checkpoints.Receive(device, message))
                {
                    LogCosignedHere(logger, peer, message.Id);
                }

                break;
            case "indicators":
                var learned = Learn(peer, message);
                Publish();
                LogIndicators(logger, peer, learned, message.Id);
                break;
            case "incident":
                var i = message.Incident!;
                LogIncident(logger, peer, i.Site, i.Id, i.Severity, string.Join(",", i.Techniques));
                break;
        }
    }

    /// <summary>Witnesses a peer's checkpoint and sends the answer back (when this site sends to that peer).</summary>
    private async Task CosignAsync(Twins.Plant.DeviceModel peer, string request, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await witness.CosignAsync(peer, request, cancellationToken);
            if (PeerWitness.Note(request) is { } note)
            {
                sender.SendCosignature(peer.Id, note, answer);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidDataException)
        {
            // The witness state could not be made durable: nothing was cosigned; the peer's next checkpoint tries again.
            LogWitnessProblem(logger, $"peer '{peer.Id}': checkpoint not cosigned: {ex.Message}");
        }
    }

    private int Learn(string peer, PeerMessage message)
    {
        var content = MispFeedReader.ReadEvent("peer:" + peer, message.Id, Encoding.UTF8.GetBytes(message.Misp!.Value.GetRawText()));
        lock (_indicators)
        {
            if (!_indicators.TryGetValue(peer, out var list))
            {
                _indicators[peer] = list = [];
            }

            list.AddRange(content.Indicators);
            if (list.Count > _limits.IndicatorsPerPeer)
            {
                list.RemoveRange(0, list.Count - _limits.IndicatorsPerPeer); // the newest win
            }
        }

        return content.Indicators.Count;
    }

    private void Publish()
    {
        var denied = new HashSet<IPAddress>();
        lock (_indicators)
        {
            foreach (var (peer, list) in _indicators)
            {
                refresher.Publish("peer:" + peer, [.. list]);
                if (plant.Current.FindDevice(peer)?.Peer is { Block: true })
                {
                    foreach (var indicator in list.Where(x => x.Type == IndicatorType.IPAddress))
                    {
                        if (IPAddress.TryParse(indicator.Value, out var address) && !IPAddress.IsLoopback(address))
                        {
                            denied.Add(address);
                            lock (_deniedBy)
                            {
                                _deniedBy.TryAdd(address, (peer, 0));
                            }
                        }
                    }
                }
            }
        }

        _denied = denied;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Peers: {Peers} declared, sending to {Links}; this site signs with {Key}")]
    private static partial void LogPeers(ILogger logger, int peers, int links, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Peers: {Peer} shared {Count} indicator(s) ({Id})")]
    private static partial void LogIndicators(ILogger logger, string peer, int count, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Peers: {Peer} reports incident {Site}/{Id} ({Severity}, {Techniques})")]
    private static partial void LogIncident(ILogger logger, string peer, string site, long id, string severity, string techniques);

    [LoggerMessage(Level = LogLevel.Information, Message = "Peers: the reloaded plant model declares {Peers} peer(s); sending to {Links}")]
    private static partial void LogFollowed(ILogger logger, int peers, int links);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peers: witnessing: {Problem}")]
    private static partial void LogWitnessProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peers: this site's checkpoints: {Problem}")]
    private static partial void LogCheckpointProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Peers: {Peer} cosigned a checkpoint of this site's ledger ({Id})")]
    private static partial void LogCosignedHere(ILogger logger, string peer, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peers: incident {Id} could not be shared")]
    private static partial void LogShareFailed(ILogger logger, Exception exception, long id);
}
