using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TwinGuard.Twins.Plant;

/// <summary>Reads the <c>listeners:</c> and <c>tls:</c> sections and devices' <c>certificate:</c>, with file:line:column errors.</summary>
/// <remarks>
/// A listener's <c>address</c> is <c>loopback</c> (127.0.0.1 and ::1), <c>any</c> (every interface, IPv4 and IPv6),
/// or one or more literal addresses (<c>0.0.0.0</c> is every IPv4 interface only, <c>::</c> every IPv6 one only).
/// </remarks>
internal static class NetworkModelReader
{
    public static PlantModel Read(YamlField root, string file, PlantModel model)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".";
        var tls = root.Optional("tls") is { } t ? ReadTls(t, directory) : null;
        var listeners = root.Optional("listeners") is { } l ? ReadListeners(l) : null;
        if (listeners is not null && tls is null && listeners.FirstOrDefault(x => x.IsTls) is { } needsTls)
        {
            throw root.Required("listeners").Error($"the {needsTls.Protocol.ToString().ToLowerInvariant()} listener needs the 'tls' section (server certificate and key)");
        }

        var certificateDevices = model.Devices.Where(d => d.Certificate is not null).ToList();
        if (certificateDevices.Count > 0 && listeners is not null && !listeners.Any(x => x.Protocol == ListenerProtocol.Mqtts))
        {
            throw root.Required("listeners").Error($"device '{certificateDevices[0].Id}' proves itself by certificate, but no mqtts listener is declared");
        }

        if (certificateDevices.FirstOrDefault(d => d.Certificate!.NeedsCa && d.Certificate.CaFile is null) is { } byName && tls?.ClientCaFile is null)
        {
            throw root.Required("devices").Error($"device '{byName.Id}' is declared by certificate subject or SAN: 'tls.client_ca' must name the CA that issues it");
        }

        return model with { Listeners = listeners, Tls = tls };
    }

    public static DeviceCertificate ReadDeviceCertificate(YamlField field)
    {
        field.AllowOnly("fingerprint", "subject", "san");
        var fingerprintField = field.Optional("fingerprint");
        string? fingerprint = null;
        if (fingerprintField is { } f)
        {
            fingerprint = DeviceCertificate.NormaliseFingerprint(f.String())
                ?? throw f.Error("expected a SHA-256 fingerprint: 64 hex digits, optionally separated by ':'");
        }

        var subject = field.Optional("subject") is { } s ? DistinguishedName(s, "CN=loop-plc, O=line1") : null;

        var san = field.Optional("san")?.String();
        if (fingerprint is null && subject is null && san is null)
        {
            throw field.Error("expected 'fingerprint', or 'subject' and/or 'san' (issued by tls.client_ca)");
        }

        if (fingerprint is not null && (subject is not null || san is not null))
        {
            throw field.Error("expected either 'fingerprint' (pinned) or 'subject'/'san' (issued by tls.client_ca), not both");
        }

        return new DeviceCertificate(fingerprint, subject, san);
    }

    private static TlsSettings ReadTls(YamlField field, string directory)
    {
        field.AllowOnly("certificate", "key", "client_ca", "revoked", "silo");
        var revoked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in field.Optional("revoked")?.Items() ?? [])
        {
            revoked.Add(DeviceCertificate.NormaliseFingerprint(item.String())
                ?? throw item.Error("expected a SHA-256 fingerprint: 64 hex digits, optionally separated by ':'"));
        }

        var clientCa = field.Optional("client_ca") is { } ca ? ExistingFile(ca, directory) : null;
        return new TlsSettings(
            ExistingFile(field.Required("certificate"), directory),
            ExistingFile(field.Required("key"), directory),
            clientCa,
            revoked)
        {
            Silo = field.Optional("silo") is { } silo ? ReadSiloTls(silo, directory, clientCa) : null,
        };
    }

    private static SiloTlsSettings ReadSiloTls(YamlField field, string directory, string? clientCa)
    {
        field.AllowOnly("certificate", "key", "ca", "subject");
        var ca = field.Optional("ca") is { } c ? ExistingFile(c, directory)
            : clientCa ?? throw field.Error("expected 'ca' (the CA that issues silo certificates), or tls.client_ca to use");
        var subject = field.Optional("subject") is { } s ? DistinguishedName(s, "CN=twinguard-silo, O=line1") : null;

        return new SiloTlsSettings(ExistingFile(field.Required("certificate"), directory), ExistingFile(field.Required("key"), directory), ca, subject);
    }

    private static string DistinguishedName(YamlField field, string example)
    {
        var text = field.String();
        try
        {
            _ = new System.Security.Cryptography.X509Certificates.X500DistinguishedName(text);
            return text;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw field.Error($"expected a distinguished name such as '{example}', found '{text}'");
        }
    }

    internal static string ExistingFile(YamlField field, string directory)
    {
        var path = Path.GetFullPath(field.String(), directory);
        return File.Exists(path) ? path : throw field.Error($"file not found: {path} (paths are relative to the plant model)");
    }

    private static List<ListenerModel> ReadListeners(YamlField section)
    {
        var listeners = new List<ListenerModel>();
        foreach (var item in section.Items())
        {
            item.AllowOnly("protocol", "address", "port");
            var protocol = item.Required("protocol").Enum<ListenerProtocol>();
            var portField = item.Required("port");
            var port = portField.Node is YamlDotNet.RepresentationModel.YamlScalarNode { Value: { } portText }
                && int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535
                ? p
                : throw portField.Error("expected a TCP port, 0 to 65535");
            var addressField = item.Required("address");
            var texts = addressField.Node is YamlDotNet.RepresentationModel.YamlSequenceNode ? addressField.StringList() : [addressField.String()];
            foreach (var text in texts)
            {
                foreach (var listener in Expand(protocol, text, port, addressField))
                {
                    if (listeners.FirstOrDefault(l => Overlaps(l, listener)) is { } taken)
                    {
                        throw addressField.Error($"{listener} overlaps the listener {taken}");
                    }

                    listeners.Add(listener);
                }
            }
        }

        return listeners;
    }

    private static IEnumerable<ListenerModel> Expand(ListenerProtocol protocol, string text, int port, YamlField field) => text switch
    {
        "loopback" => ListenerModel.Loopback(protocol, port),
        "any" => [new ListenerModel(protocol, IPAddress.IPv6Any, port, DualStack: true)],
        _ when IPAddress.TryParse(text, out var address) && !text.Contains('/', StringComparison.Ordinal)
            => [new ListenerModel(protocol, address, port)],
        _ => throw field.Error($"expected 'loopback', 'any' or an IP address of this machine, found '{text}'"),
    };

    private static bool Overlaps(ListenerModel a, ListenerModel b)
    {
        if (a.Port != b.Port || a.Port == 0)
        {
            return false;
        }

        bool Wide(ListenerModel l, AddressFamily family) => l.DualStack
            || (l.Address.AddressFamily == family && (l.Address.Equals(IPAddress.Any) || l.Address.Equals(IPAddress.IPv6Any)));
        var sameFamily = a.Address.AddressFamily == b.Address.AddressFamily || a.DualStack || b.DualStack;
        return sameFamily && (a.Address.Equals(b.Address) || Wide(a, b.Address.AddressFamily) || Wide(b, a.Address.AddressFamily));
    }
}
