using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Access;
using TwinGuard.Server.Hosting;
using TwinGuard.Server.Hosting.Sharing;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Share;

namespace TwinGuard.Server.Api;

/// <summary><c>/api/peers</c> and <c>/api/soc/incidents</c>: sharing with peer sites, and the incidents of every site (docs/sharing.md).</summary>
internal static class PeersApi
{
    public static RouteGroupBuilder MapPeersApi(this RouteGroupBuilder api)
    {
        api.MapGet("/peers", Results<Ok<PeersStatus>, ProblemHttpResult> (PlantModelSource plant, IServiceProvider services) =>
                services.GetService<PeerService>() is { } service && plant.Current is var current && (current.Sharing.IsSoc || current.Devices.Any(d => d.Peer is not null))
                    ? TypedResults.Ok(Status(current, service, services))
                    : NotSharing())
            .RequireAuthorization(AccessPolicies.Viewer).WithTags("peers").WithSummary("Peer sites, links, outboxes and inbound refusals by reason");
        api.MapGet("/soc/incidents", Results<Ok<IReadOnlyList<SocIncident>>, ProblemHttpResult> (int? limit, HostSettings settings, PlantRecords records, IServiceProvider services) =>
                (limit ?? 200) is < 1 or > 5000
                    ? Problems.BadRequest(string.Create(CultureInfo.InvariantCulture, $"'limit' must be 1..5000, found {limit}"))
                    : TypedResults.Ok(Incidents(limit ?? 200, settings, records, services.GetService<PeerInbox>())))
            .RequireAuthorization(AccessPolicies.Viewer).WithTags("peers").WithSummary("The incidents of this site and of every peer that shares them, newest first");
        return api;
    }

    private static ProblemHttpResult NotSharing() =>
        Problems.NotFound("this site shares with no peer (declare a device with 'peer:' or 'sharing: { role: soc }', docs/sharing.md)");

    // The plant model in force: peers a reload added or removed show at once.
    private static PeersStatus Status(PlantModel plant, PeerService service, IServiceProvider services)
    {
        var inbox = services.GetRequiredService<PeerInbox>();
        var sender = services.GetRequiredService<PeerSender>();
        var links = service.Links.ToDictionary(l => l.Peer.Id, StringComparer.Ordinal);
        var outboxes = sender.Peers.ToDictionary(p => p.Peer.Id, p => p.Outbox.Counts, StringComparer.Ordinal);
        var ours = services.GetRequiredService<PeerCheckpoints>().Counts;
        var theirs = services.GetRequiredService<PeerWitness>().Counts;
        var peers = plant.Devices.Where(d => d.Peer is not null).Select(d =>
        {
            var p = d.Peer!;
            var link = links.GetValueOrDefault(d.Id);
            var (waiting, dropped, delivered) = outboxes.GetValueOrDefault(d.Id);
            var (_, oursRefused, oursSize) = ours.GetValueOrDefault(d.Id);
            var (_, theirsRefused, theirsSize) = theirs.GetValueOrDefault(d.Id);
            return new PeerView(d.Id, p.Role, p.Broker, [.. p.Send.Order(StringComparer.Ordinal)], p.Values, p.Block, link?.IsConnected ?? false, link?.Problem,
                waiting, delivered, dropped)
            {
                Witnessed = p.LedgerKey is not null,
                CosignedOurs = oursSize,
                CosignedTheirs = theirsSize,
                CheckpointsRefused = theirsRefused,
                CosignaturesRefused = oursRefused,
            };
        }).ToList();
        return new PeersStatus(plant.Site.Id, plant.Sharing.Role, services.GetRequiredService<WitnessSigningKey>().PublicKey.VerifierKey, peers,
            inbox.Kept, inbox.Repeats, inbox.Refused.ToDictionary(r => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(r.Key.ToString()), r => r.Value),
            sender.Withheld, [.. service.Denied.Select(a => a.ToString()).Order(StringComparer.Ordinal)]);
    }

    private static IReadOnlyList<SocIncident> Incidents(int limit, HostSettings settings, PlantRecords records, PeerInbox? inbox)
    {
        var site = settings.Plant.Site.Id;
        var mapping = Twins.Findings.AttackMapping.Default;
        var own = records.Incidents(limit).Select(i => new SocIncident(site, null, i.Id, i.Opened, i.Severity, i.Title, i.AssetId,
            [.. i.Reasons.Select(r => Twins.Findings.ReasonCodes.TryParse(r, out var code) ? code : (Twins.Findings.ReasonCode?)null).OfType<Twins.Findings.ReasonCode>()
                .SelectMany(mapping.For).Select(t => t.Id).Distinct(StringComparer.Ordinal)], []));
        var shared = (inbox?.Messages("incident") ?? []).Select(m => (Via: m.Peer, Incident: m.Message.Incident!)).Select(x => new SocIncident(
            x.Incident.Site, x.Via, x.Incident.Id, DateTimeOffset.FromUnixTimeMilliseconds(x.Incident.Opened), x.Incident.Severity, x.Incident.Title, x.Incident.Asset,
            x.Incident.Techniques, x.Incident.Addresses));
        return [.. own.Concat(shared).OrderByDescending(i => i.Opened).Take(limit)];
    }
}
