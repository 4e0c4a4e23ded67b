using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>A Publish response (OPC 10000-4 §5.13.5.2).</summary>
/// <param name="SubscriptionId">The subscription it belongs to.</param>
/// <param name="AvailableSequenceNumbers">The sequence numbers the server still holds for Republish.</param>
/// <param name="MoreNotifications">True when the server has more to send than fitted.</param>
/// <param name="Message">The notifications.</param>
/// <param name="AcknowledgementResults">The result of each acknowledgement the request carried.</param>
public sealed record PublishResult(
    uint SubscriptionId,
    IReadOnlyList<uint> AvailableSequenceNumbers,
    bool MoreNotifications,
    NotificationMessage Message,
    IReadOnlyList<StatusCode> AcknowledgementResults);
