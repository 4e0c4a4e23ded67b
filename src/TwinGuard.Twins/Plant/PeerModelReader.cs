using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Twins.Plant;

/// <summary>Reads the <c>sharing:</c> section and devices' <c>peer:</c> (docs/sharing.md), with file:line:column errors.</summary>
internal static class PeerModelReader
{
    /// <summary>Reads <c>sharing:</c> and attaches each device's <c>peer:</c> to it in <paramref name="devices"/> (before the model is built, which indexes them).</summary>
    public static SharingSettings Read(YamlField root, string file, List<DeviceModel> devices)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".";
        var sharing = root.Optional("sharing") is { } s ? ReadSharing(s, directory) : SharingSettings.None;
        var peers = new Dictionary<string, (PeerModel Peer, YamlField Field)>(StringComparer.Ordinal);
        foreach (var device in root.Required("devices").Items())
        {
            if (device.Optional("peer") is { } p)
            {
                peers[device.Required("id").Identifier()] = (ReadPeer(p, directory), p);
            }
        }

        for (var i = 0; i < devices.Count; i++)
        {
            var device = devices[i];
            if (!peers.TryGetValue(device.Id, out var declared))
            {
                continue;
            }

            var (peer, field) = declared;
            if (device.Certificate is not { } certificate || device.EdgeLedgerKey is not null)
            {
                throw field.Error($"peer '{device.Id}' proves itself by a client certificate ('certificate:') and is not an edge");
            }

            if (device.Topics is not [var topic] || topic != PeerTopics.Up(device.Id))
            {
                throw field.Error($"peer '{device.Id}' may publish only to '{PeerTopics.Up(device.Id)}' (topics: [{PeerTopics.Up(device.Id)}])");
            }

            if (peer.Broker is not null && sharing.CertificateFile is null)
            {
                throw field.Error($"peer '{device.Id}' names a broker to send to: the 'sharing' section must name this site's certificate and key");
            }

            // The peer's own CA, not the site's: a peer's certificates come from its PKI.
            devices[i] = device with { Peer = peer, Certificate = certificate with { CaFile = peer.CaFile } };
        }

        return sharing;
    }

    private static SharingSettings ReadSharing(YamlField field, string directory)
    {
        field.AllowOnly("role", "certificate", "key", "outbox_mb");
        var role = field.Optional("role")?.String() ?? "site";
        if (role is not ("site" or "soc"))
        {
            throw field.Required("role").Error($"expected 'site' or 'soc', found '{role}'");
        }

        var certificate = field.Optional("certificate") is { } c ? NetworkModelReader.ExistingFile(c, directory) : null;
        var key = field.Optional("key") is { } k ? NetworkModelReader.ExistingFile(k, directory) : null;
        if ((certificate is null) != (key is null))
        {
            throw field.Error("expected both 'certificate' and 'key' (this site's client certificate towards its peers), or neither");
        }

        return new SharingSettings(role, certificate, key)
        {
            OutboxBytes = field.Optional("outbox_mb") is { } mb ? (long)mb.PositiveInteger() * 1024 * 1024 : SharingSettings.None.OutboxBytes,
        };
    }

    private static PeerModel ReadPeer(YamlField field, string directory)
    {
        field.AllowOnly("key", "ca", "broker", "role", "send", "values", "block", "ledger_key");
        var keyField = field.Required("key");
        var key = keyField.String().Trim();
        try
        {
            _ = WitnessPublicKey.Parse(key);
        }
        catch (InvalidDataException ex)
        {
            throw keyField.Error($"expected the peer's message key (its DATA/peering/peer.vkey): {ex.Message}");
        }

        var role = field.Optional("role")?.String() ?? "site";
        if (role is not ("site" or "soc"))
        {
            throw field.Required("role").Error($"expected 'site' or 'soc', found '{role}'");
        }

        var send = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in field.Optional("send")?.Items() ?? [])
        {
            var kind = item.String();
            if (!PeerShare.All.Contains(kind))
            {
                throw item.Error($"expected one of {string.Join(", ", PeerShare.All)}, found '{kind}'");
            }

            send.Add(kind);
        }

        string? broker = null;
        if (field.Optional("broker") is { } b)
        {
            broker = b.String();
            var colon = broker.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(broker.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw b.Error($"expected the peer's mqtts listener as host:port, found '{broker}'");
            }
        }

        return new PeerModel(key, NetworkModelReader.ExistingFile(field.Required("ca"), directory))
        {
            Broker = broker,
            Role = role,
            Send = send,
            Values = field.Optional("values")?.Boolean() ?? false,
            Block = field.Optional("block")?.Boolean() ?? false,
            LedgerKey = field.Optional("ledger_key") is { } ledger ? PlantModelLoader.LedgerVerifierKey(ledger, "the verifier key of the peer's ledger (its ledger/signing-key.vkey)") : null,
        };
    }
}
