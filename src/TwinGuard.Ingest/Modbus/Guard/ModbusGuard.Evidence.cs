using System.Globalization;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Modbus;

/// <summary>The findings and refusals the guard raises: each names client, function, address and value.</summary>
public sealed partial class ModbusGuard
{
    private void Refused(Connection connection, ReadOnlySpan<byte> adu, byte unitId, ModbusGuardVerdict verdict)
    {
        var function = adu.Length > MbapHeader.Size ? adu[MbapHeader.Size] : (byte)0;
        var request = verdict.Request;
        var (table, address) = verdict.Address >= 0 ? (request.WriteTable, verdict.Address)
            : request.WriteQuantity > 0 ? (request.WriteTable, request.WriteAddress)
            : request.ReadQuantity > 0 ? (request.ReadTable, request.ReadAddress)
            : (ModbusTable.Holding, -1);
        var asset = address >= 0 ? _device.AssetOf(table, address) : null;
        var signal = address >= 0 ? SignalAt(table, address) : null;
        var now = _time.GetUtcNow();
        var message = string.Create(CultureInfo.InvariantCulture,
            $"Modbus guard '{_device.Id}' refused client '{connection.SourceId}' ({connection.Endpoint}) function {function}{Where(table, address)}{(verdict.Value is { } v ? $" value {v}" : string.Empty)} with exception {(byte)verdict.Exception:X2}: {verdict.Detail}");
        _evidence.Refuse(
            new Refusal(now, verdict.Reason, connection.SourceId, connection.Endpoint, connection.Endpoint, Topic(unitId, function), asset, signal, verdict.Detail, adu.ToArray()),
            new Finding(now, verdict.Reason, verdict.Reason.DefaultSeverity(), asset, signal, connection.SourceId, verdict.Value, 0, message)
            {
                ArrivalTimestamp = _time.GetTimestamp(),
            });
    }

    /// <summary>An address the guard model does not list connected: stored once per address and fold window, always raised.</summary>
    private void RefusedAtAccept(System.Net.IPAddress address, int port)
    {
        var now = _time.GetUtcNow();
        var source = $"modbus-client:{address}";
        var detail = $"{address} is not an allowed client of this guard; connection closed at accept";
        var finding = new Finding(now, ReasonCode.UnknownSource, ReasonCode.UnknownSource.DefaultSeverity(), null, null, source, null, 0,
            $"Modbus guard '{_device.Id}' refused a connection from {address}:{port}: {detail}")
        {
            ArrivalTimestamp = _time.GetTimestamp(),
            SourceBlock = AddressBlock.Of(address).ToString(),
        };
        if (!_unlisted.ShouldStore(address.ToString(), ReasonCode.UnknownSource, now, out var folded, out var since))
        {
            _evidence.Raise(finding);
            return;
        }

        var stored = folded == 0 ? detail : string.Create(CultureInfo.InvariantCulture, $"{detail} ({folded} more since {since:O} folded)");
        _evidence.Refuse(new Refusal(now, ReasonCode.UnknownSource, source, null, $"{address}:{port}", Topic(0, 0), null, null, stored, ReadOnlyMemory<byte>.Empty), finding);
    }

    private void Malformed(Connection connection, ReadOnlySpan<byte> bytes, string detail)
    {
        _metrics.CountMalformed();
        var now = _time.GetUtcNow();
        _evidence.Refuse(
            new Refusal(now, ReasonCode.MalformedFrame, connection.SourceId, connection.Endpoint, connection.Endpoint, Topic(0, 0), null, null, detail, bytes.ToArray()),
            new Finding(now, ReasonCode.MalformedFrame, ReasonCode.MalformedFrame.DefaultSeverity(), null, null, connection.SourceId, null, 0,
                $"Modbus guard '{_device.Id}': malformed frame from client '{connection.SourceId}' ({connection.Endpoint}): {detail}"));
    }

    private void Wrote(Connection connection, ReadOnlySpan<byte> pdu, ModbusRequest request)
    {
        var value = request.WrittenValue(pdu, 0);
        var asset = _device.AssetOf(request.WriteTable, request.WriteAddress);
        var count = request.WriteQuantity > 1 ? $" (+{request.WriteQuantity - 1} more)" : string.Empty;
        _evidence.Raise(new Finding(_time.GetUtcNow(), ReasonCode.RegisterWrite, ReasonCode.RegisterWrite.DefaultSeverity(), asset,
            SignalAt(request.WriteTable, request.WriteAddress), connection.SourceId, value, 0,
            string.Create(CultureInfo.InvariantCulture, $"Modbus guard '{_device.Id}': client '{connection.SourceId}' ({connection.Endpoint}) function {(byte)request.Function}{Where(request.WriteTable, request.WriteAddress)} value {value}{count}")));
    }

    private void UpstreamFailed(ModbusException error)
    {
        if (Interlocked.Exchange(ref _upstreamDown, 1) == 0)
        {
            _evidence.Raise(new Finding(_time.GetUtcNow(), ReasonCode.DeviceUnreachable, ReasonCode.DeviceUnreachable.DefaultSeverity(), null, null,
                _device.Id, null, 0, $"Modbus guard '{_device.Id}': the device does not answer forwarded requests; clients get exception 0B: {error.Message}"));
        }
    }

    private string? SignalAt(ModbusTable table, int address)
    {
        foreach (var point in _device.Points)
        {
            if (point.Table == table && address >= point.Address && address < point.Address + point.Width)
            {
                return point.SignalId;
            }
        }

        return null;
    }

    private string Topic(byte unitId, byte function) =>
        string.Create(CultureInfo.InvariantCulture, $"modbus://{_model.Listen}/{unitId}/{function}");

    private static string Where(ModbusTable table, int address) => address < 0 ? string.Empty
        : table switch
        {
            ModbusTable.Coil => $" coil {address}",
            ModbusTable.DiscreteInput => $" discrete input {address}",
            ModbusTable.Input => $" input register {address}",
            _ => $" holding register {address}",
        };
}
