using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>What one Publish response carries (OPC 10000-4 §7.26 NotificationMessage).</summary>
/// <param name="SequenceNumber">Its sequence number; a keep-alive carries the next one without using it.</param>
/// <param name="PublishTime">When the server sent it.</param>
/// <param name="DataChanges">The data changes, in the order the server sent them.</param>
/// <param name="StatusChange">The subscription's new status when a StatusChangeNotification was sent (e.g. BadTimeout).</param>
public sealed record NotificationMessage(uint SequenceNumber, DateTimeOffset? PublishTime, IReadOnlyList<MonitoredItemNotification> DataChanges, StatusCode? StatusChange)
{
    /// <summary>True when it carries no notification at all: a keep-alive (§5.13.1.1).</summary>
    public bool IsKeepAlive { get; init; }

    public static NotificationMessage Read(ref UaBinaryReader reader)
    {
        var sequence = reader.ReadUInt32();
        var time = reader.ReadDateTime();
        var data = reader.ReadArray("NotificationData", 3, static (ref UaBinaryReader r) => r.ReadExtensionObject());
        var changes = new List<MonitoredItemNotification>();
        StatusCode? status = null;
        foreach (var item in data)
        {
            if (item.TypeId is not { NamespaceIndex: 0, Type: NodeIdType.Numeric } type)
            {
                continue;
            }

            var body = new UaBinaryReader(item.Body.Span);
            switch (type.Numeric)
            {
                case ServiceIds.DataChangeNotification:
                    // §7.25.2 DataChangeNotification: MonitoredItems[], DiagnosticInfos[].
                    changes.AddRange(body.ReadArray("MonitoredItemNotification", 5,
                        static (ref UaBinaryReader r) => new MonitoredItemNotification(r.ReadUInt32(), r.ReadDataValue())));
                    body.SkipDiagnosticInfoArray();
                    break;
                case ServiceIds.StatusChangeNotification:
                    // §7.25.4 StatusChangeNotification: Status, DiagnosticInfo.
                    status = body.ReadStatusCode();
                    body.SkipDiagnosticInfo();
                    break;
                default:
                    continue; // events are not subscribed to
            }

            body.EnsureEnd($"notification i={type.Numeric}");
        }

        return new NotificationMessage(sequence, time, changes, status) { IsKeepAlive = data.Length == 0 };
    }
}
