using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.Services;

namespace TwinGuard.Ingest.OpcUa.Client;

public sealed partial class OpcUaClient
{
    /// <summary>CreateSubscription (§5.13.2).</summary>
    public async Task<SubscriptionInfo> CreateSubscriptionAsync(TimeSpan publishingInterval, uint lifetimeCount, uint maxKeepAliveCount, CancellationToken cancellationToken)
    {
        var response = await CallAsync(ServiceIds.CreateSubscriptionRequest, w =>
        {
            w.WriteDouble(publishingInterval.TotalMilliseconds);
            w.WriteUInt32(lifetimeCount);
            w.WriteUInt32(maxKeepAliveCount);
            w.WriteUInt32(0);     // MaxNotificationsPerPublish: no limit
            w.WriteBoolean(true); // PublishingEnabled
            w.WriteByte(0);       // Priority
        }, cancellationToken);
        var reader = new UaBinaryReader(response.Span);
        ResponseReader.ExpectType(ref reader, ServiceIds.CreateSubscriptionResponse);
        ResponseReader.ReadHeader(ref reader);
        var id = reader.ReadUInt32();
        var interval = reader.ReadDouble();
        var lifetime = reader.ReadUInt32();
        var keepAlive = reader.ReadUInt32();
        reader.EnsureEnd("CreateSubscriptionResponse");
        if (!double.IsFinite(interval) || interval <= 0 || interval > TimeSpan.FromDays(1).TotalMilliseconds || keepAlive == 0)
        {
            throw reader.Error($"revised publishing interval {interval} ms, keep-alive count {keepAlive}: not usable");
        }

        return new SubscriptionInfo(id, TimeSpan.FromMilliseconds(interval), lifetime, keepAlive);
    }

    /// <summary>CreateMonitoredItems (§5.12.2) on the Value attribute, reporting, source and server timestamps.</summary>
    public async Task<IReadOnlyList<MonitoredItemResult>> CreateMonitoredItemsAsync(uint subscriptionId, IReadOnlyList<MonitoredItemRequest> items, CancellationToken cancellationToken)
    {
        var response = await CallAsync(ServiceIds.CreateMonitoredItemsRequest, w =>
        {
            w.WriteUInt32(subscriptionId);
            w.WriteInt32(2); // TimestampsToReturn: Both
            w.WriteInt32(items.Count);
            foreach (var item in items)
            {
                w.WriteNodeId(item.NodeId);
                w.WriteUInt32(AttributeIds.Value);
                w.WriteString(null);
                w.WriteQualifiedName(new QualifiedName(0, null));
                w.WriteInt32(2); // MonitoringMode: Reporting
                // MonitoringParameters (§7.21).
                w.WriteUInt32(item.ClientHandle);
                w.WriteDouble(item.SamplingInterval.TotalMilliseconds);
                if (item.AbsoluteDeadband > 0)
                {
                    // DataChangeFilter (§7.22.2): trigger StatusValue (1), deadband type Absolute (1).
                    w.WriteExtensionObject(NodeId.Number(ServiceIds.DataChangeFilter), b =>
                    {
                        b.WriteInt32(1);
                        b.WriteUInt32(1);
                        b.WriteDouble(item.AbsoluteDeadband);
                    });
                }
                else
                {
                    w.WriteExtensionObject(NodeId.Null, null);
                }

                w.WriteUInt32(item.QueueSize);
                w.WriteBoolean(true); // DiscardOldest
            }
        }, cancellationToken);
        var reader = new UaBinaryReader(response.Span);
        ResponseReader.ExpectType(ref reader, ServiceIds.CreateMonitoredItemsResponse);
        ResponseReader.ReadHeader(ref reader);
        var results = reader.ReadArray("MonitoredItemCreateResult", 23, static (ref UaBinaryReader r) =>
        {
            var status = r.ReadStatusCode();
            var id = r.ReadUInt32();
            var sampling = r.ReadDouble();
            var queue = r.ReadUInt32();
            r.ReadExtensionObject(); // FilterResult
            return new MonitoredItemResult(status, id, TimeSpan.FromMilliseconds(double.IsFinite(sampling) ? Math.Clamp(sampling, 0, 86_400_000) : 0), queue);
        });
        reader.SkipDiagnosticInfoArray();
        if (results.Length != items.Count)
        {
            throw reader.Error($"CreateMonitoredItems of {items.Count} items returned {results.Length} results");
        }

        return results;
    }

    /// <summary>Publish (§5.13.5): acknowledges <paramref name="acknowledge"/> and waits for the next notification message.</summary>
    public async Task<PublishResult> PublishAsync(IReadOnlyList<(uint SubscriptionId, uint SequenceNumber)> acknowledge, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var response = await CallAsync(ServiceIds.PublishRequest, w =>
        {
            w.WriteInt32(acknowledge.Count);
            foreach (var (subscription, sequence) in acknowledge)
            {
                w.WriteUInt32(subscription);
                w.WriteUInt32(sequence);
            }
        }, cancellationToken, timeout);
        var reader = new UaBinaryReader(response.Span);
        ResponseReader.ExpectType(ref reader, ServiceIds.PublishResponse);
        ResponseReader.ReadHeader(ref reader);
        var subscriptionId = reader.ReadUInt32();
        var available = reader.ReadArray("AvailableSequenceNumbers", 4, static (ref UaBinaryReader r) => r.ReadUInt32());
        var more = reader.ReadBoolean();
        var message = NotificationMessage.Read(ref reader);
        var results = reader.ReadArray("StatusCode", 4, static (ref UaBinaryReader r) => r.ReadStatusCode());
        reader.SkipDiagnosticInfoArray();
        reader.EnsureEnd("PublishResponse");
        return new PublishResult(subscriptionId, available, more, message, results);
    }

    /// <summary>Republish (§5.13.6): asks the server again for a notification message it still holds.</summary>
    /// <exception cref="OpcUaException">BadMessageNotAvailable when the server no longer has it.</exception>
    public async Task<NotificationMessage> RepublishAsync(uint subscriptionId, uint sequenceNumber, CancellationToken cancellationToken)
    {
        var response = await CallAsync(ServiceIds.RepublishRequest, w =>
        {
            w.WriteUInt32(subscriptionId);
            w.WriteUInt32(sequenceNumber);
        }, cancellationToken);
        var reader = new UaBinaryReader(response.Span);
        ResponseReader.ExpectType(ref reader, ServiceIds.RepublishResponse);
        ResponseReader.ReadHeader(ref reader);
        var message = NotificationMessage.Read(ref reader);
        reader.EnsureEnd("RepublishResponse");
        return message;
    }
}
