using System.Net;
using TwinGuard.Edge.Uplink;

namespace TwinGuard.Edge;

/// <summary>What <c>twinguard-edge run</c> is told.</summary>
/// <param name="EdgeId">The edge's identity: its device id in the site's plant model and its MQTT client id.</param>
/// <param name="PlantModel">The site's plant model (the same file the site loads).</param>
/// <param name="Playbooks">The site's playbooks; null: the edge contains nothing on its own.</param>
/// <param name="DataDirectory">The edge's ledger, outbox and key.</param>
/// <param name="Listen">Where devices publish to the edge (plain MQTT; loopback or the gateway's device network).</param>
/// <param name="Site">The site link; null: the edge runs alone (everything waits in the outbox).</param>
internal sealed record EdgeOptions(string EdgeId, string PlantModel, string? Playbooks, string DataDirectory, IPEndPoint Listen, SiteLink? Site)
{
    /// <summary>The assets this edge serves; empty: every asset its devices may publish to.</summary>
    public IReadOnlyList<string> Assets { get; init; } = [];

    /// <summary>Largest outbox on disk.</summary>
    /// <value>256 MiB: about a day of 4 devices at 4 Hz.</value>
    public long OutboxBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The <c>mqtts</c> listener for devices (<c>--listen-tls</c>), beside the plain one; null: plain MQTT only.</summary>
    public Devices.DeviceTls? DeviceTls { get; init; }

    /// <summary>How often the edge's ledger signs a checkpoint (each goes to the site to be cosigned).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(10);
}
