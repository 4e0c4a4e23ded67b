using System.Net;

namespace TwinGuard.Twins.Plant;

/// <summary>The inline guard in front of one Modbus device: where it listens and what it lets through.</summary>
/// <param name="Listen">The address and port clients connect to instead of the device's.</param>
/// <param name="Functions">The function codes allowed at all; every other code is refused with exception 01.</param>
/// <param name="Clients">The clients allowed to connect; requests from any other address are refused.</param>
/// <param name="Writable">The coils and holding registers allowed clients may write, with their allowed values.</param>
/// <remarks>Anything not listed is refused: the policy is an allow-list (IEC 62443-3-3 SR 2.1, least privilege).</remarks>
public sealed record ModbusGuardModel(
    IPEndPoint Listen,
    IReadOnlySet<byte> Functions,
    IReadOnlyList<ModbusClientModel> Clients,
    IReadOnlyList<ModbusWritable> Writable)
{
    /// <summary>The allowed client connecting from <paramref name="address"/>, or null.</summary>
    public ModbusClientModel? FindClient(IPAddress address)
    {
        var normalized = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var client in Clients)
        {
            if (client.Address.Equals(normalized))
            {
                return client;
            }
        }

        return null;
    }

    /// <summary>The writable block holding <paramref name="address"/> of <paramref name="table"/>, or null.</summary>
    public ModbusWritable? FindWritable(ModbusTable table, int address)
    {
        foreach (var block in Writable)
        {
            if (block.Contains(table, address))
            {
                return block;
            }
        }

        return null;
    }
}
