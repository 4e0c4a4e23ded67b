using System.Text.Json;
using TwinGuard.Ingest.OpcUa.Client;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.Services;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Ingest.OpcUa.Subscriptions;

public sealed partial class OpcUaSubscriber
{
    private async Task PublishLoopAsync(OpcUaClient client, SubscriptionInfo subscription, CancellationToken cancellationToken)
    {
        var sequence = new PublishSequence();
        var acknowledge = new List<(uint, uint)>();
        // §5.13.1.1: the server answers a waiting Publish at least every keep-alive interval.
        var timeout = subscription.KeepAliveInterval * 2 + _options.RequestTimeout;
        var nextCheck = _time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            var result = await client.PublishAsync(acknowledge, timeout, cancellationToken);
            acknowledge.Clear();
            if (result.SubscriptionId != subscription.SubscriptionId)
            {
                continue;
            }

            var message = result.Message;
            if (message.StatusChange is { IsBad: true } closed)
            {
                throw new OpcUaException(StatusCodes.BadSubscriptionIdInvalid, $"the server ended the subscription: {closed}");
            }

            var missing = sequence.Observe(message.SequenceNumber, message.IsKeepAlive, MaxRepublish);
            if (missing is null)
            {
                Raise(ReasonCode.SequenceRollback, null, null, Format(
                    $"OPC UA server '{_device.Id}' sent notification {message.SequenceNumber} after {sequence.Last} in subscription {subscription.SubscriptionId}: refused as a replay"));
                continue;
            }

            if (missing.Count > 0)
            {
                await RecoverAsync(client, subscription.SubscriptionId, missing, result.AvailableSequenceNumbers, acknowledge, cancellationToken);
            }

            if (!message.IsKeepAlive)
            {
                acknowledge.Add((subscription.SubscriptionId, message.SequenceNumber));
                await AdmitAsync(message);
            }

            if (_time.GetElapsedTime(nextCheck) >= TimeSpan.Zero)
            {
                nextCheck = _time.GetTimestamp() + (long)(_device.NodeCheck.TotalSeconds * _time.TimestampFrequency);
                await CheckNodesAsync(client, cancellationToken);
            }
        }
    }

    /// <summary>Republish (§5.13.6) what was skipped; whatever the server no longer has is lost and said so.</summary>
    private async Task RecoverAsync(OpcUaClient client, uint subscriptionId, IReadOnlyList<uint> missing, IReadOnlyList<uint> available,
        List<(uint, uint)> acknowledge, CancellationToken cancellationToken)
    {
        var recovered = 0;
        foreach (var number in missing)
        {
            if (!available.Contains(number))
            {
                continue;
            }

            try
            {
                var message = await client.RepublishAsync(subscriptionId, number, cancellationToken);
                acknowledge.Add((subscriptionId, number));
                await AdmitAsync(message);
                recovered++;
                Republished++;
            }
            catch (OpcUaException ex) when (ex.Status.SubCode == StatusCodes.BadMessageNotAvailable.Code)
            {
                // Gone: counted as lost below.
            }
        }

        Raise(ReasonCode.PublishGap, null, null, Format(
            $"OPC UA server '{_device.Id}' skipped {missing.Count} notification message(s) ({missing[0]}..{missing[^1]}) in subscription {subscriptionId}; {recovered} recovered with Republish, {missing.Count - recovered} lost"));
    }

    /// <summary>Reads the NodeClass of every configured node: a node that disappeared answers BadNodeIdUnknown.</summary>
    private async Task CheckNodesAsync(OpcUaClient client, CancellationToken cancellationToken)
    {
        var values = await client.ReadAsync(_nodes, AttributeIds.NodeClass, cancellationToken);
        for (var i = 0; i < values.Count; i++)
        {
            NodeStatus(i, values[i].Status);
        }
    }

    /// <summary>Hands a notification message's data changes to the gate: one reading per asset and source timestamp.</summary>
    private async Task AdmitAsync(NotificationMessage message)
    {
        var arrival = _time.GetTimestamp();
        var now = _time.GetUtcNow();
        var groups = new Dictionary<(string Asset, long Ts), List<(string Signal, double Value, long ServerTs)>>();
        foreach (var change in message.DataChanges)
        {
            if (change.ClientHandle >= (uint)_device.Signals.Count)
            {
                continue; // not a handle this subscriber gave out
            }

            Interlocked.Increment(ref _notifications);
            var index = (int)change.ClientHandle;
            var signal = _device.Signals[index];
            var value = change.Value;
            if (!value.Status.IsGood)
            {
                // OPC 10000-4 §7.39: Bad means no usable value, Uncertain a value of doubtful quality: neither is a reading.
                NodeStatus(index, value.Status);
                WriteEvidence(signal.SignalId, value);
                _gate.RefuseValue(_source, _topics[index], signal.AssetId, signal.SignalId, ReasonCode.BadQuality,
                    $"OPC UA node {signal.NodeId} ({signal.AssetId}.{signal.SignalId}) of '{_device.Id}' reported {value.Status}", _payload.WrittenMemory.ToArray());
                continue;
            }

            var ts = (value.SourceTimestamp ?? value.ServerTimestamp ?? now).ToUnixTimeMilliseconds();
            var serverTs = (value.ServerTimestamp ?? now).ToUnixTimeMilliseconds();
            // A non-numeric value goes on as NaN: the gate refuses it as wrong_type/non_finite like any other transport's.
            var number = value.Value.TryGetDouble(out var d) ? d : double.NaN;
            if (!groups.TryGetValue((signal.AssetId, ts), out var list))
            {
                groups[(signal.AssetId, ts)] = list = [];
            }

            list.Add((signal.SignalId, number, serverTs));
        }

        foreach (var ((asset, ts), values) in groups)
        {
            WritePayload(ts, _sequenceBase + Interlocked.Increment(ref _readings), values);
            await _gate.AdmitAsync(_source, $"{_gate.Plant.Site.TopicPrefix}/{asset}", _payload.WrittenMemory, arrival);
        }
    }

    private void WritePayload(long timestampMs, long sequence, List<(string Signal, double Value, long ServerTs)> signals)
    {
        // docs/readings.md, plus server_ts (ignored by the gate, kept with refused data): both OPC UA timestamps.
        _payload.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_payload);
        writer.WriteStartObject();
        writer.WriteNumber("ts"u8, timestampMs);
        writer.WriteNumber("server_ts"u8, signals.Max(s => s.ServerTs));
        writer.WriteNumber("seq"u8, sequence);
        writer.WriteStartObject("values"u8);
        foreach (var (signal, value, _) in signals)
        {
            writer.WritePropertyName(signal);
            ReadingJson.WriteValue(writer, value);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private void WriteEvidence(string signal, DataValue value)
    {
        _payload.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_payload);
        writer.WriteStartObject();
        writer.WriteString("signal"u8, signal);
        writer.WriteString("status"u8, value.Status.ToString());
        writer.WriteNumber("status_code"u8, value.Status.Code);
        writer.WriteString("value"u8, value.Value.ToString());
        if (value.SourceTimestamp is { } source)
        {
            writer.WriteNumber("ts"u8, source.ToUnixTimeMilliseconds());
        }

        if (value.ServerTimestamp is { } server)
        {
            writer.WriteNumber("server_ts"u8, server.ToUnixTimeMilliseconds());
        }

        writer.WriteEndObject();
    }
}
