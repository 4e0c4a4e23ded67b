using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.EndToEnd.Tests.Network;
using TwinGuard.Ingest.Mqtt.PreLogin;
using TwinGuard.Server.Access;
using TwinGuard.Server.Api;
using TwinGuard.Twins.Share;

namespace TwinGuard.EndToEnd.Tests.Sharing;

/// <summary>
/// Two plants and a SOC, each served for real with its own PKI, sharing over mutual-TLS MQTT with signed messages: an
/// attacker on the plant network (a network namespace) tampers with site A using stolen credentials; site A shares the
/// incident and the attacker's address; site B refuses that address before it ever logs in there; the SOC lists the
/// incidents of both sites.
/// </summary>
public sealed class SharingEndToEndTests
{
    [PlantNetworkFact]
    public async Task Sites_AddressSeenAttackingSiteA_IsRefusedAtSiteBBeforeItTriesAndTheSocSeesBothIncidents()
    {
        using var network = PlantNetwork.Create();
        await using var a = SharingSite.Prepare("site-a");
        await using var b = SharingSite.Prepare("site-b");
        await using var soc = SharingSite.Prepare("soc");
        await soc.StartAsync("soc", a.AsPeer("incidents", withBroker: false) + b.AsPeer("incidents", withBroker: false), null);
        await a.StartAsync("site", b.AsPeer("indicators, incidents", withBroker: true, block: true) + soc.AsPeer("incidents", withBroker: true, role: "soc"), network.HostIPv4);
        await b.StartAsync("site", a.AsPeer("indicators, incidents", withBroker: true, block: true) + soc.AsPeer("incidents", withBroker: true, role: "soc"), network.HostIPv4);
        await Eventually.HoldsAsync(() => a.Peers.Links.Concat(b.Peers.Links).Count(l => l.IsConnected), n => n == 4, TimeSpan.FromSeconds(60),
            "both sites linked to their peer and the SOC over mutual TLS");

        // The attacker, on another host of the plant network, logs in to site A with the tank gateway's stolen password
        // and sends tampered readings.
        using (var attacker = NetnsPublisher.Start(network, a.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1"))
        {
            await attacker.SendAsync($$$"""{"ts":{{{Now()}}},"seq":1,"values":{"level":1.2,"fluid_temp":24.5}}""");
            await attacker.SendAsync($$$"""{"ts":{{{Now()}}},"seq":2,"values":{"level":9.5}}""");
            await attacker.SendAsync($$$"""{"ts":{{{Now()}}},"seq":3,"values":{"fluid_temp":500}}""");
            await attacker.SendAsync($$$"""{"ts":{{{Now()}}},"seq":1,"values":{"level":1.1}}""");

            // Site B learns the address from site A (indicator feed peer:site-a) and denies it before the attacker tries there.
            await Eventually.HoldsAsync(() => b.Peers.Denied, d => d.Contains(IPAddress.Parse(network.DeviceIPv4)), TimeSpan.FromSeconds(60),
                "site B to deny the address site A saw attacking");
        }

        // Site A shares its incident as it opens it; its own record of it is written by its record stage, in batches of
        // its own: under load it came after site B had already denied the address.
        var incidentsAtA = await Eventually.HoldsAsync(() => a.Records.Incidents(10).Where(i => i.AssetId == "tank1").ToList(), l => l.Count > 0,
            TimeSpan.FromSeconds(60), "site A's incident of tank1 in its records");
        var incidentAtA = Assert.Single(incidentsAtA);
        var deniedBefore = b.Broker.Admission.Refused(AdmissionRefusal.Denied);
        var (code, error) = await network.ExecAsync("mosquitto_pub", "-h", network.HostIPv4, "-p", Port(b.MqttPort), "-u", "tank-gateway", "-P", "demo-tank-gateway",
            "-t", "plant/tank1", "-q", "1", "-m", $$$"""{"ts":{{{Now()}}},"seq":1,"values":{"level":1.2}}""");
        Assert.True(code != 0, "the attacker reached site B: " + error);
        Assert.Equal(deniedBefore + 1, b.Broker.Admission.Refused(AdmissionRefusal.Denied));

        // A device on another address still publishes to site B: only the reported address is refused.
        var (legit, legitError) = await NetnsPublisher.PublishHereAsync(network.HostIPv4, b.MqttPort, "tank-gateway", "demo-tank-gateway", "plant/tank1",
            $$$"""{"ts":{{{Now()}}},"seq":5,"values":{"level":1.2}}""");
        Assert.True(legit == 0, "a device at another address was refused at site B: " + legitError);

        // The attempt is an incident at site B, and the SOC lists both, with the site each happened at.
        var incidentAtB = await Eventually.HoldsAsync(() => b.Records.Incidents(10).FirstOrDefault(i => i.Title.Contains(network.DeviceIPv4, StringComparison.Ordinal)),
            i => i is not null, TimeSpan.FromSeconds(30), "the refused attempt as an incident at site B");
        var key = soc.App.Services.GetRequiredService<ApiKeyStore>().Create("soc-analyst", ApiRole.Viewer, null, "sharing test");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port(soc.HttpPort)}") };
        http.DefaultRequestHeaders.Add("X-Api-Key", key.Token);
        var listed = await Eventually.HoldsAsync(async () => (await http.GetFromJsonAsync<List<SocIncident>>("/api/soc/incidents"))!,
            l => l.Any(i => i.Site == "site-a") && l.Any(i => i.Site == "site-b"), TimeSpan.FromSeconds(60), "the SOC listing both sites' incidents");
        var fromA = listed.First(i => i.Site == "site-a" && i.Id == incidentAtA.Id);
        Assert.Equal("site-a", fromA.Via);
        Assert.Contains(network.DeviceIPv4, fromA.Addresses);
        Assert.NotEmpty(fromA.Techniques);
        Assert.DoesNotContain("9.5", fromA.Title, StringComparison.Ordinal); // the SOC is not allowed values
        Assert.Contains(listed, i => i.Site == "site-b" && i.Id == incidentAtB!.Id && i.Severity == "critical" && i.Addresses.Contains(network.DeviceIPv4));

        // Every peer message was verified and kept; none was refused.
        var status = await http.GetFromJsonAsync<PeersStatus>("/api/peers");
        Assert.True(status!.Kept >= 2);
        Assert.All(status.Refused.Values, n => Assert.Equal(0, n));
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
