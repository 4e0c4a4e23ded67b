using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Hosting.Sharing;
using TwinGuard.Twins.Share;

namespace TwinGuard.Server.Hosting;

/// <summary>Registers sharing with peer sites when the plant model declares a peer (a device with <c>peer:</c>) or the SOC role (docs/sharing.md).</summary>
internal static class PeerHosting
{
    /// <summary>
    /// Adds the site's peer key (<c>DATA/peering/key.pem</c>, its verifier key in <c>DATA/peering/peer.vkey</c>), the
    /// <see cref="PeerInbox"/>, the <see cref="PeerSender"/> and the service that wires them to the broker, correlate and intel.
    /// </summary>
    public static IServiceCollection AddPeers(this IServiceCollection services, HostSettings settings)
    {
        var plant = settings.Plant;
        if (!plant.Devices.Any(d => d.Peer is not null) && !plant.Sharing.IsSoc)
        {
            return services;
        }

        var directory = Path.Combine(settings.DataDirectory, "peering");
        services.AddSingleton(_ =>
        {
            var key = WitnessSigningKey.LoadOrCreate(Path.Combine(directory, "key.pem"), "twinguard.peer/" + plant.Site.Id);
            File.WriteAllText(Path.Combine(directory, "peer.vkey"), key.PublicKey.VerifierKey + "\n");
            return key;
        });
        services.AddSingleton(_ => new PeerInbox(plant.Site.Id, directory, new PeerInboxLimits(), settings.Time));
        services.AddSingleton(sp => new PeerSender(plant, directory, sp.GetRequiredService<WitnessSigningKey>(), settings.Time));
        services.AddSingleton<PeerService>();
        services.AddHostedService(sp => sp.GetRequiredService<PeerService>());
        return services;
    }
}
