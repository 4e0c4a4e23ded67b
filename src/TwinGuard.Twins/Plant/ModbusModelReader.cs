using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using YamlDotNet.RepresentationModel;

namespace TwinGuard.Twins.Plant;

/// <summary>Reads the <c>modbus:</c> section of the plant model (docs/modbus.md), with file:line:column errors.</summary>
/// <remarks>
/// Each Modbus device and each guard client also becomes a <see cref="DeviceModel"/>: devices are the sources of polled
/// readings at the gate, clients the sources playbooks quarantine. Neither has an MQTT credential (a random password
/// nobody knows), and clients may publish nothing.
/// </remarks>
internal static class ModbusModelReader
{
    /// <summary>The function codes the guard parses and checks (Modbus Application Protocol v1.1b3 §6).</summary>
    public static readonly IReadOnlySet<byte> UnderstoodFunctions = new HashSet<byte> { 1, 2, 3, 4, 5, 6, 15, 16, 23 };

    public static (ModbusSettings Settings, List<DeviceModel> Sources) Read(
        YamlField section, string topicPrefix, IReadOnlyList<AssetModel> assets, IReadOnlyList<DeviceModel> devices)
    {
        section.AllowOnly("devices");
        var taken = devices.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var clientAddresses = new Dictionary<string, IPAddress>(StringComparer.Ordinal);
        var mappedSignals = new HashSet<(string, string)>();
        var listens = new HashSet<IPEndPoint>();
        var result = new List<ModbusDeviceModel>();
        var sources = new List<DeviceModel>();

        foreach (var item in section.Required("devices").Items())
        {
            var device = ReadDevice(item, assets, mappedSignals);
            if (!taken.Add(device.Id))
            {
                throw item.Required("id").Error($"duplicate device id '{device.Id}' (ids are shared with 'devices' and guard clients)");
            }

            if (device.Guard is { } guard)
            {
                if (!listens.Add(guard.Listen))
                {
                    throw item.Required("guard").Required("listen").Error($"another guard already listens on {guard.Listen}");
                }

                var clientItems = item.Required("guard").Optional("clients")?.Items().ToList() ?? [];
                for (var i = 0; i < guard.Clients.Count; i++)
                {
                    var client = guard.Clients[i];
                    if (clientAddresses.TryGetValue(client.Id, out var known))
                    {
                        if (!known.Equals(client.Address))
                        {
                            throw clientItems[i].Required("address").Error($"client '{client.Id}' is declared elsewhere with address {known}");
                        }

                        continue;
                    }

                    if (!taken.Add(client.Id))
                    {
                        throw clientItems[i].Required("id").Error($"duplicate id '{client.Id}' (ids are shared with 'devices' and Modbus devices)");
                    }

                    clientAddresses[client.Id] = client.Address;
                    sources.Add(new DeviceModel(client.Id, $"Modbus client {client.Id} ({client.Address})", Unusable(), []));
                }
            }

            result.Add(device);
            var topics = device.AssetIds.Select(a => $"{topicPrefix}/{a}").ToList();
            sources.Add(new DeviceModel(device.Id, device.Name, Unusable(), topics));
        }

        return (new ModbusSettings(result), sources);
    }

    private static ModbusDeviceModel ReadDevice(YamlField field, IReadOnlyList<AssetModel> assets, HashSet<(string, string)> mappedSignals)
    {
        field.AllowOnly("id", "name", "endpoint", "unit_id", "poll_period", "timeout", "points", "guard");
        var id = field.Required("id").Identifier();
        var endpointField = field.Required("endpoint");
        var (host, port) = HostPort(endpointField);
        var unitField = field.Optional("unit_id");
        var unit = unitField is { } u ? Integer(u, 0, 255) : 1;
        var points = SignalMappings.ReadList(field.Required("points"), item => ReadPoint(item, assets), p => (p.AssetId, p.SignalId),
            mappedSignals, "a Modbus point", "point");

        var timeout = field.Optional("timeout")?.Duration() ?? TimeSpan.FromSeconds(1);
        return new ModbusDeviceModel(
            id,
            field.Optional("name")?.String() ?? id,
            host,
            port,
            (byte)unit,
            field.Required("poll_period").Duration(),
            timeout,
            points,
            field.Optional("guard") is { } g ? ReadGuard(g, assets) : null);
    }

    private static ModbusPoint ReadPoint(YamlField field, IReadOnlyList<AssetModel> assets)
    {
        field.AllowOnly("asset", "signal", "table", "address", "type", "word_order", "scale", "offset");
        var (asset, signal) = SignalMappings.ReadSignal(field, assets);
        var assetId = asset.Id;
        var tableField = field.Required("table");
        var table = Table(tableField);
        var isBit = table is ModbusTable.Coil or ModbusTable.DiscreteInput;
        var typeField = field.Optional("type");
        var type = typeField?.Enum<ModbusValueType>() ?? (isBit ? ModbusValueType.Bool : ModbusValueType.UInt16);
        if (isBit != (type == ModbusValueType.Bool))
        {
            throw (typeField ?? tableField).Error(isBit
                ? $"a {Name(table)} holds one bit: expected type bool"
                : $"a {Name(table)} register holds a number: expected int16, uint16, int32, uint32 or float32");
        }

        var addressField = field.Required("address");
        var address = Integer(addressField, 0, 65535);
        var point = new ModbusPoint(
            assetId,
            signal,
            table,
            address,
            type,
            field.Optional("word_order") is { } w ? WordOrder(w) : ModbusWordOrder.HighFirst,
            field.Optional("scale")?.Number() ?? 1,
            field.Optional("offset")?.Number() ?? 0);
        if (address + point.Width > 65536)
        {
            throw addressField.Error($"a {type.ToString().ToLowerInvariant()} at {address} runs past the last address 65535");
        }

        if (point.Scale == 0)
        {
            throw field.Required("scale").Error("expected a scale other than 0");
        }

        return point;
    }

    private static ModbusGuardModel ReadGuard(YamlField field, IReadOnlyList<AssetModel> assets)
    {
        field.AllowOnly("listen", "functions", "clients", "writable");
        var listenField = field.Required("listen");
        var listenText = listenField.String();
        if (!IPEndPoint.TryParse(listenText, out var listen) || listen.Port == 0 || !listenText.Contains(':', StringComparison.Ordinal))
        {
            throw listenField.Error($"expected ADDRESS:PORT with an IP address and a port 1-65535, found '{listenText}'");
        }

        var functions = new HashSet<byte>(UnderstoodFunctions);
        if (field.Optional("functions") is { } functionsField)
        {
            functions.Clear();
            foreach (var item in functionsField.Items())
            {
                var code = Integer(item, 1, 127);
                if (!UnderstoodFunctions.Contains((byte)code))
                {
                    throw item.Error($"function code {code} is not one the guard checks; expected some of 1, 2, 3, 4, 5, 6, 15, 16, 23");
                }

                functions.Add((byte)code);
            }
        }

        var clients = new List<ModbusClientModel>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new HashSet<IPAddress>();
        foreach (var item in field.Optional("clients")?.Items() ?? [])
        {
            item.AllowOnly("id", "address", "write");
            var id = item.Required("id").Identifier();
            var addressField = item.Required("address");
            var text = addressField.String();
            if (!IPAddress.TryParse(text, out var address))
            {
                throw addressField.Error($"expected an IP address, found '{text}'");
            }

            if (!ids.Add(id))
            {
                throw item.Required("id").Error($"duplicate client id '{id}'");
            }

            if (!addresses.Add(address))
            {
                throw addressField.Error($"another client of this guard already has address {address}: a client is identified by its address");
            }

            clients.Add(new ModbusClientModel(id, address, item.Optional("write") is { } w && w.Boolean()));
        }

        var writable = new List<ModbusWritable>();
        foreach (var item in field.Optional("writable")?.Items() ?? [])
        {
            var block = ReadWritable(item, assets);
            if (writable.FirstOrDefault(b => b.Table == block.Table && b.Address < block.Address + block.Count && block.Address < b.Address + b.Count) is { } other)
            {
                throw item.Error($"overlaps the writable block at {other.Address} (count {other.Count})");
            }

            writable.Add(block);
        }

        return new ModbusGuardModel(listen, functions, clients, writable);
    }

    private static ModbusWritable ReadWritable(YamlField field, IReadOnlyList<AssetModel> assets)
    {
        field.AllowOnly("table", "address", "count", "type", "range", "asset");
        var tableField = field.Required("table");
        var table = Table(tableField);
        if (table is not (ModbusTable.Coil or ModbusTable.Holding))
        {
            throw tableField.Error($"only coils and holding registers can be written, found '{Name(table)}'");
        }

        var address = Integer(field.Required("address"), 0, 65535);
        var countField = field.Optional("count");
        var count = countField is { } c ? Integer(c, 1, 65536) : 1;
        if (address + count > 65536)
        {
            throw countField!.Value.Error($"{count} from {address} runs past the last address 65535");
        }

        var signed = false;
        if (field.Optional("type") is { } typeField)
        {
            var type = typeField.Enum<ModbusValueType>();
            if (table == ModbusTable.Coil ? type != ModbusValueType.Bool : type is not (ModbusValueType.Int16 or ModbusValueType.UInt16))
            {
                throw typeField.Error(table == ModbusTable.Coil ? "expected bool for coils" : "expected int16 or uint16: ranges apply to each register");
            }

            signed = type == ModbusValueType.Int16;
        }

        var (lowest, highest) = table == ModbusTable.Coil ? (0, 1) : signed ? (short.MinValue, (int)short.MaxValue) : (0, (int)ushort.MaxValue);
        int min = lowest, max = highest;
        if (field.Optional("range") is { } range)
        {
            var bounds = range.Items().ToList();
            if (bounds.Count != 2)
            {
                throw range.Error("expected [min, max]");
            }

            (min, max) = (Integer(bounds[0], lowest, highest), Integer(bounds[1], lowest, highest));
            if (min > max)
            {
                throw range.Error($"expected min <= max, found [{min}, {max}]");
            }
        }
        else if (table == ModbusTable.Holding)
        {
            throw field.Error("'range' is missing: a writable register needs the values it may take");
        }

        string? assetId = null;
        if (field.Optional("asset") is { } assetField)
        {
            assetId = assetField.Identifier();
            if (assets.All(a => a.Id != assetId))
            {
                throw assetField.Error($"no asset '{assetId}' in the plant model");
            }
        }

        return new ModbusWritable(table, address, count, min, max, signed, assetId);
    }

    private static (string Host, int Port) HostPort(YamlField field)
    {
        var text = field.String();
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon] : string.Empty;
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (colon <= 0 || host.Length == 0 || host.Contains(':', StringComparison.Ordinal) && !IPAddress.TryParse(host, out _)
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw field.Error($"expected HOST:PORT (an IPv6 address in brackets), found '{text}'");
        }

        return (host, port);
    }

    private static ModbusTable Table(YamlField field) => field.Node is YamlScalarNode { Value: { } v } ? v switch
    {
        "coil" or "coils" => ModbusTable.Coil,
        "discrete_input" or "discrete_inputs" => ModbusTable.DiscreteInput,
        "holding" or "holding_register" or "holding_registers" => ModbusTable.Holding,
        "input" or "input_register" or "input_registers" => ModbusTable.Input,
        _ => throw field.Error($"expected coil, discrete_input, holding or input, found '{v}'"),
    }
    : throw field.Error("expected coil, discrete_input, holding or input");

    private static string Name(ModbusTable table) => table switch
    {
        ModbusTable.Coil => "coil",
        ModbusTable.DiscreteInput => "discrete_input",
        ModbusTable.Holding => "holding",
        _ => "input",
    };

    private static ModbusWordOrder WordOrder(YamlField field) => field.Node is YamlScalarNode { Value: "high_first" } ? ModbusWordOrder.HighFirst
        : field.Node is YamlScalarNode { Value: "low_first" } ? ModbusWordOrder.LowFirst
        : throw field.Error("expected high_first or low_first");

    private static int Integer(YamlField field, int min, int max)
    {
        var text = field.Node is YamlScalarNode s ? s.Value : null;
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw field.Error($"expected a whole number from {min} to {max}, found '{text}'");
    }

    // Modbus devices and clients never log in over MQTT: their credential is a random password that is never stored.
    private static PasswordHash Unusable() => PasswordHash.Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), 1000);
}
