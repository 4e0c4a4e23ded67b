using System.Globalization;
using System.Security.Cryptography;
using YamlDotNet.RepresentationModel;

namespace TwinGuard.Twins.Plant;

/// <summary>Reads the <c>opcua:</c> section of the plant model (docs/opcua.md), with file:line:column errors.</summary>
/// <remarks>
/// Each OPC UA server becomes a <see cref="DeviceModel"/> too, the source of its readings at the gate, with no MQTT
/// credential (a random password nobody knows) and its signals' assets as its topics.
/// </remarks>
internal static class OpcUaModelReader
{
    public static (OpcUaSettings Settings, List<DeviceModel> Sources) Read(
        YamlField section, string file, string topicPrefix, IReadOnlyList<AssetModel> assets, IReadOnlyList<DeviceModel> devices)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".";
        section.AllowOnly("devices");
        var taken = devices.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var mapped = new HashSet<(string, string)>();
        var result = new List<OpcUaDeviceModel>();
        var sources = new List<DeviceModel>();
        foreach (var item in section.Required("devices").Items())
        {
            var device = ReadDevice(item, directory, assets, mapped);
            if (!taken.Add(device.Id))
            {
                throw item.Required("id").Error($"duplicate device id '{device.Id}' (ids are shared with 'devices' and the Modbus devices)");
            }

            result.Add(device);
            sources.Add(new DeviceModel(device.Id, device.Name, Unusable(), device.AssetIds.Select(a => $"{topicPrefix}/{a}").ToList()));
        }

        return (new OpcUaSettings(result), sources);
    }

    private static OpcUaDeviceModel ReadDevice(YamlField field, string directory, IReadOnlyList<AssetModel> assets, HashSet<(string, string)> mapped)
    {
        field.AllowOnly("id", "name", "endpoint", "security", "identity", "server_certificate", "publishing_interval", "node_check", "signals");
        var id = field.Required("id").Identifier();
        var endpointField = field.Required("endpoint");
        var endpoint = endpointField.String();
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme != "opc.tcp" || uri.Host.Length == 0 || endpoint.Length > 4096)
        {
            throw endpointField.Error($"expected opc.tcp://HOST:PORT/PATH, found '{endpoint}'");
        }

        var (policy, mode) = ReadSecurity(field.Optional("security"));
        var (user, passwordEnv, userCertificate, userKey) = ReadIdentity(field.Optional("identity"), directory);
        string? fingerprint = null;
        if (field.Optional("server_certificate") is { } certificateField)
        {
            var text = certificateField.String().Replace(":", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
            if (text.Length != 64 || !text.All(char.IsAsciiHexDigit))
            {
                throw certificateField.Error("expected the SHA-256 fingerprint of the server certificate: 64 hex digits (colons allowed)");
            }

            fingerprint = text;
        }

        var signals = SignalMappings.ReadList(field.Required("signals"), item => ReadSignal(item, assets), s => (s.AssetId, s.SignalId),
            mapped, "an OPC UA node", "signal");

        return new OpcUaDeviceModel(
            id,
            field.Optional("name")?.String() ?? id,
            endpoint,
            policy,
            mode,
            user,
            passwordEnv,
            fingerprint,
            field.Optional("publishing_interval")?.Duration() ?? TimeSpan.FromMilliseconds(250),
            field.Optional("node_check")?.Duration() ?? TimeSpan.FromSeconds(30),
            signals,
            userCertificate,
            userKey);
    }

    private static (string Policy, OpcUaSecurityMode Mode) ReadSecurity(YamlField? field)
    {
        if (field is not { } security)
        {
            return ("none", OpcUaSecurityMode.None);
        }

        security.AllowOnly("policy", "mode");
        var policyField = security.Required("policy");
        var policy = policyField.String().ToLowerInvariant();
        if (policy is not ("none" or "basic256sha256" or "aes128_sha256_rsaoaep"))
        {
            throw policyField.Error($"expected none, basic256sha256 or aes128_sha256_rsaoaep, found '{policy}'");
        }

        var modeField = security.Required("mode");
        var mode = modeField.String() switch
        {
            "none" => OpcUaSecurityMode.None,
            "sign" => OpcUaSecurityMode.Sign,
            "sign_and_encrypt" => OpcUaSecurityMode.SignAndEncrypt,
            var other => throw modeField.Error($"expected none, sign or sign_and_encrypt, found '{other}'"),
        };
        if (policy == "none" != (mode == OpcUaSecurityMode.None))
        {
            throw modeField.Error(policy == "none" ? "policy none goes with mode none" : $"policy {policy} needs mode sign or sign_and_encrypt");
        }

        return (policy, mode);
    }

    private static (string? User, string? PasswordEnv, string? Certificate, string? Key) ReadIdentity(YamlField? field, string directory)
    {
        if (field is not { } identity || identity.Node is YamlScalarNode { Value: "anonymous" })
        {
            return (null, null, null, null);
        }

        if (identity.Optional("certificate") is { } certificate)
        {
            // An X.509 user identity (OPC 10000-4 §7.41.5): PEM certificate and PEM private key, as in the tls section.
            identity.AllowOnly("certificate", "key");
            return (null, null, NetworkModelReader.ExistingFile(certificate, directory), NetworkModelReader.ExistingFile(identity.Required("key"), directory));
        }

        identity.AllowOnly("user", "password_env");
        var user = identity.Required("user").String();
        var env = identity.Required("password_env").String();
        if (!env.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw identity.Required("password_env").Error($"expected the name of an environment variable, found '{env}'");
        }

        return (user, env, null, null);
    }

    private static OpcUaSignalMapping ReadSignal(YamlField field, IReadOnlyList<AssetModel> assets)
    {
        field.AllowOnly("asset", "signal", "node", "sampling", "deadband");
        var (asset, signal) = SignalMappings.ReadSignal(field, assets);
        var nodeField = field.Required("node");
        var node = nodeField.String();
        if (!IsNodeId(node))
        {
            throw nodeField.Error($"expected a NodeId such as ns=1;s=pump1.speed, i=2258, ns=2;g=<guid> or ns=3;b=<base64>, found '{node}'");
        }

        var deadband = 0.0;
        if (field.Optional("deadband") is { } deadbandField)
        {
            deadband = deadbandField.Number();
            if (deadband < 0)
            {
                throw deadbandField.Error("expected a deadband of 0 or more");
            }
        }

        var sampling = field.Optional("sampling")?.Duration() ?? asset.Signals[asset.IndexOf(signal)].Period;
        return new OpcUaSignalMapping(asset.Id, signal, node, sampling, deadband);
    }

    // OPC 10000-6 §5.3.1.10: [ns=<index>;]<i|s|g|b>=<identifier>.
    private static bool IsNodeId(string text)
    {
        var rest = text.AsSpan();
        if (rest.StartsWith("ns="))
        {
            var semicolon = rest.IndexOf(';');
            if (semicolon < 0 || !ushort.TryParse(rest[3..semicolon], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return false;
            }

            rest = rest[(semicolon + 1)..];
        }

        if (rest.Length < 3 || rest[1] != '=')
        {
            return false;
        }

        var value = rest[2..];
        return rest[0] switch
        {
            'i' => uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _),
            's' => value.Length <= 4096,
            'g' => Guid.TryParse(value, out _),
            'b' => Convert.TryFromBase64Chars(value, new byte[value.Length], out _),
            _ => false,
        };
    }

    // OPC UA servers never log in over MQTT: their credential is a random password that is never stored.
    private static PasswordHash Unusable() => PasswordHash.Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), 1000);
}
