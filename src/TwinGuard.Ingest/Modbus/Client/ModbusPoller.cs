using System.Buffers;
using System.Text.Json;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Modbus;

/// <summary>
/// Polls one Modbus device on its period and hands every poll to the <see cref="ReadingGate"/>, one reading per asset,
/// exactly as an MQTT message of docs/readings.md would arrive: same gate, same validation, the device as the source.
/// </summary>
/// <remarks>
/// A device that stops answering costs at most its timeout per poll and never blocks another device (each has its own
/// loop and connection): each failed poll is counted in <see cref="ModbusMetrics"/>, and the start of an outage raises a
/// <see cref="ReasonCode.DeviceUnreachable"/> finding. The twins see the gap as staleness, as for any silent source.
/// </remarks>
public sealed class ModbusPoller : IAsyncDisposable
{
    private readonly ModbusDeviceModel _device;
    private readonly ReadingGate _gate;
    private readonly EvidenceSink _evidence;
    private readonly ModbusMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ModbusTcpClient _client;
    private readonly IReadOnlyList<ModbusReadBlock> _blocks;
    private readonly SourceInfo _source;
    private readonly Dictionary<string, string> _topics;
    private readonly ArrayBufferWriter<byte> _payload = new(512);
    private readonly long _sequenceBase;
    private readonly ModbusWriteLog? _writes;
    private readonly Dictionary<ModbusPoint, double> _watched = [];
    private long _polls;
    private long _previousPollStart;

    /// <summary>Creates a poller for <paramref name="device"/>; the gate's plant model must hold it as a source.</summary>
    /// <param name="device">The device.</param>
    /// <param name="gate">The gate readings go through.</param>
    /// <param name="evidence">Where findings go.</param>
    /// <param name="metrics">Counters.</param>
    /// <param name="time">The clock.</param>
    /// <param name="writes">
    /// The write log of the device's guard. When given, a polled point inside the guard's writable blocks that changes with
    /// no write through the guard since the previous poll raises <see cref="ReasonCode.UnexpectedWrite"/>.
    /// </param>
    public ModbusPoller(ModbusDeviceModel device, ReadingGate gate, EvidenceSink evidence, ModbusMetrics metrics, TimeProvider time, ModbusWriteLog? writes = null)
    {
        _writes = writes;
        _device = device;
        _gate = gate;
        _evidence = evidence;
        _metrics = metrics;
        _time = time;
        var source = gate.Plant.FindDevice(device.Id) ?? throw new ArgumentException($"the plant model has no source '{device.Id}'", nameof(device));
        _source = new SourceInfo(source, "modbus", $"{device.Host}:{device.Port}");
        _client = new ModbusTcpClient(device.Host, device.Port, device.UnitId,
            ModbusClientOptions.Default with { Timeout = device.Timeout, MaxBackoff = TimeSpan.FromTicks(Math.Max(device.PollPeriod.Ticks, TimeSpan.FromSeconds(5).Ticks)) },
            time);
        _blocks = ModbusReadBlock.Plan(device.Points);
        _topics = device.AssetIds.ToDictionary(a => a, a => $"{gate.Plant.Site.TopicPrefix}/{a}", StringComparer.Ordinal);
        // Sequence numbers must keep growing across restarts (the twin refuses a replayed sequence): start from the clock.
        _sequenceBase = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    /// <summary>The device polled.</summary>
    public ModbusDeviceModel Device => _device;

    /// <summary>Polls on the device's period until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_device.PollPeriod, _time);
        do
        {
            await PollOnceAsync(cancellationToken);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    /// <summary>Reads every point once and admits the readings; returns false when the device could not be read.</summary>
    public async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        var pollStart = _time.GetTimestamp();
        var values = new Dictionary<string, List<(string Signal, double Value)>>(StringComparer.Ordinal);
        foreach (var block in _blocks)
        {
            try
            {
                await ReadBlockAsync(block, values, cancellationToken);
            }
            catch (ModbusException ex)
            {
                Failed($"{Describe(block)}: {ex.Message}");
                return false;
            }
        }

        var arrival = _time.GetTimestamp();
        var now = _time.GetUtcNow();
        _metrics.CountPoll(_device.Id, now);
        CheckBypass(values, now);
        _previousPollStart = pollStart;
        var sequence = _sequenceBase + Interlocked.Increment(ref _polls);
        foreach (var (asset, signals) in values)
        {
            WritePayload(now.ToUnixTimeMilliseconds(), sequence, signals);
            await _gate.AdmitAsync(_source, _topics[asset], _payload.WrittenMemory, arrival);
        }

        return true;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private async Task ReadBlockAsync(ModbusReadBlock block, Dictionary<string, List<(string, double)>> values, CancellationToken cancellationToken)
    {
        void Add(ModbusPoint point, double raw)
        {
            if (!values.TryGetValue(point.AssetId, out var list))
            {
                values[point.AssetId] = list = [];
            }

            list.Add((point.SignalId, ModbusValueDecoder.Value(point, raw)));
        }

        if (block.Table is ModbusTable.Coil or ModbusTable.DiscreteInput)
        {
            var bits = block.Table == ModbusTable.Coil
                ? await _client.ReadCoilsAsync(block.Address, block.Count, cancellationToken)
                : await _client.ReadDiscreteInputsAsync(block.Address, block.Count, cancellationToken);
            foreach (var point in block.Points)
            {
                Add(point, bits[point.Address - block.Address] ? 1 : 0);
            }

            return;
        }

        var words = block.Table == ModbusTable.Holding
            ? await _client.ReadHoldingRegistersAsync(block.Address, block.Count, cancellationToken)
            : await _client.ReadInputRegistersAsync(block.Address, block.Count, cancellationToken);
        foreach (var point in block.Points)
        {
            Add(point, ModbusValueDecoder.Raw(point, words.AsSpan(point.Address - block.Address, point.Width)));
        }
    }

    /// <summary>Raises a finding for each guarded point that changed with no write through the guard since the last poll.</summary>
    private void CheckBypass(Dictionary<string, List<(string Signal, double Value)>> values, DateTimeOffset now)
    {
        if (_writes is null || _device.Guard is not { } guard)
        {
            return;
        }

        foreach (var point in _device.Points)
        {
            if (guard.FindWritable(point.Table, point.Address) is null || !values.TryGetValue(point.AssetId, out var signals))
            {
                continue;
            }

            var value = signals.Find(s => s.Signal == point.SignalId).Value;
            if (_watched.TryGetValue(point, out var before) && !before.Equals(value)
                && !_writes.WrittenSince(point.Table, point.Address, point.Width, _previousPollStart))
            {
                var where = point.Table == ModbusTable.Coil ? "coil" : "holding register";
                _evidence.Raise(new Finding(now, ReasonCode.UnexpectedWrite, ReasonCode.UnexpectedWrite.DefaultSeverity(), point.AssetId, point.SignalId,
                    _device.Id, value, 0,
                    string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{where} {point.Address} of Modbus device '{_device.Id}' ({point.AssetId}.{point.SignalId}) changed from {before} to {value} with no write through the guard")));
            }

            _watched[point] = value;
        }
    }

    private void WritePayload(long timestampMs, long sequence, List<(string Signal, double Value)> signals)
    {
        // docs/readings.md: {"ts": ms, "seq": n, "values": {signal: number}}. A non-finite float32 is written so that the
        // gate refuses it as it would from MQTT: infinity as an overflowing number, NaN as a non-number.
        _payload.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_payload);
        writer.WriteStartObject();
        writer.WriteNumber("ts"u8, timestampMs);
        writer.WriteNumber("seq"u8, sequence);
        writer.WriteStartObject("values"u8);
        foreach (var (signal, value) in signals)
        {
            writer.WritePropertyName(signal);
            ReadingJson.WriteValue(writer, value);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private void Failed(string error)
    {
        if (_metrics.CountPollFailure(_device.Id, error))
        {
            var now = _time.GetUtcNow();
            _evidence.Raise(new Finding(now, ReasonCode.DeviceUnreachable, ReasonCode.DeviceUnreachable.DefaultSeverity(), null, null,
                _device.Id, null, 0, $"Modbus device '{_device.Id}' ({_device.Host}:{_device.Port} unit {_device.UnitId}) cannot be polled: {error}"));
        }
    }

    private static string Describe(ModbusReadBlock block) =>
        $"{block.Table.ToString().ToLowerInvariant()} {block.Address}..{block.Address + block.Count - 1}";
}
