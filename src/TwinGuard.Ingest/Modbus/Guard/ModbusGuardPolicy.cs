using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Modbus;

/// <summary>
/// The guard's decision for one request PDU, from the plant model's allow-list: who may send, which function codes,
/// which coils and registers may be written and with which values. Pure and allocation-free for allowed reads.
/// </summary>
/// <remarks>
/// Exception codes follow the server state diagrams of Modbus Application Protocol v1.1b3 §6 and §7: 01 for a function
/// the client may not use (including every request of an unknown or quarantined client: "not an allowable action"),
/// 02 for an address that may not be written, 03 for a value outside the allowed range or a malformed request.
/// </remarks>
public sealed class ModbusGuardPolicy(ModbusGuardModel guard, QuarantineList quarantine)
{
    /// <summary>The guard's model.</summary>
    public ModbusGuardModel Guard => guard;

    /// <summary>Decides on <paramref name="pdu"/> from <paramref name="client"/> (null: an address the model does not list).</summary>
    public ModbusGuardVerdict Decide(ModbusClientModel? client, string clientAddress, ReadOnlySpan<byte> pdu)
    {
        if (client is null)
        {
            return ModbusGuardVerdict.Refuse(ModbusExceptionCode.IllegalFunction, ReasonCode.UnknownSource,
                $"{clientAddress} is not an allowed client of this guard");
        }

        if (quarantine.IsDeviceQuarantined(client.Id))
        {
            return ModbusGuardVerdict.Refuse(ModbusExceptionCode.IllegalFunction, ReasonCode.Quarantined, $"client '{client.Id}' is quarantined");
        }

        if (pdu.Length == 0 || !guard.Functions.Contains(pdu[0]))
        {
            return ModbusGuardVerdict.Refuse(ModbusExceptionCode.IllegalFunction, ReasonCode.ForbiddenFunction,
                pdu.Length == 0 ? "empty PDU" : $"function code {pdu[0]} is not allowed by the guard");
        }

        if (!ModbusPdu.TryParseRequest(pdu, out var request, out var code, out var problem))
        {
            return ModbusGuardVerdict.Refuse(code, ReasonCode.MalformedFrame, problem);
        }

        if (!request.Writes)
        {
            return ModbusGuardVerdict.Allow(request);
        }

        if (!client.MayWrite)
        {
            return ModbusGuardVerdict.Refuse(ModbusExceptionCode.IllegalFunction, ReasonCode.ForbiddenWrite,
                $"client '{client.Id}' may not write", request.WriteAddress, request.WrittenValue(pdu, 0), request);
        }

        var table = request.WriteTable;
        for (var i = 0; i < request.WriteQuantity; i++)
        {
            var address = request.WriteAddress + i;
            var value = request.WrittenValue(pdu, i);
            var block = guard.FindWritable(table, address);
            if (block is null)
            {
                return ModbusGuardVerdict.Refuse(ModbusExceptionCode.IllegalDataAddress, ReasonCode.ForbiddenWrite,
                    $"{Name(table)} {address} is not writable", address, value, request);
            }

            if (!block.Allows(value))
            {
                var shown = block.Signed ? (int)(short)value : value;
                return ModbusGuardVerdict.Refuse(ModbusExceptionCode.IllegalDataValue, ReasonCode.ForbiddenValue,
                    $"value {shown} for {Name(table)} {address} is outside the allowed [{block.Min}, {block.Max}]", address, shown, request);
            }
        }

        return ModbusGuardVerdict.Allow(request);
    }

    private static string Name(ModbusTable table) => table == ModbusTable.Coil ? "coil" : "holding register";
}
