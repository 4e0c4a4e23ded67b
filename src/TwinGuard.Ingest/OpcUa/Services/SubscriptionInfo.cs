namespace TwinGuard.Ingest.OpcUa.Services;

/// <summary>A subscription as the server revised it (OPC 10000-4 §5.13.2.2).</summary>
public sealed record SubscriptionInfo(uint SubscriptionId, TimeSpan PublishingInterval, uint LifetimeCount, uint MaxKeepAliveCount)
{
    /// <summary>The longest the server may stay silent: a keep-alive comes at least every this often.</summary>
    public TimeSpan KeepAliveInterval => PublishingInterval * MaxKeepAliveCount;
}
