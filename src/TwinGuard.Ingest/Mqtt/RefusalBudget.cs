using TwinGuard.Twins.Gate;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>
/// How many refused publishes one connection may send at full speed: past <see cref="PerSecond"/> (after a burst of
/// <see cref="Burst"/>), the broker stops reading from that connection for a while, as it does for a flooder of valid
/// readings (<see cref="FloodGuard"/>).
/// </summary>
/// <remarks>
/// The flood guard's buckets only see messages that reach an asset's bucket: a device that floods payloads that are
/// not JSON, topics it may not publish to, assets that do not exist, or a quarantined asset is refused message by message,
/// each one parsed or routed, counted and summarised (<see cref="RefusalSummariser"/>), on the same two cores as
/// everyone else's readings, and was never held. Such a connection is now held once it has spent its budget: the flood
/// waits in its socket and TCP window, its client blocks on send, and no refused message is lost: each one is still
/// read, refused and counted when its turn comes. A device that sends an occasional bad message never reaches the
/// budget. One per connection (admission bounds the connections); taken only for refused publishes, so an accepted
/// reading costs nothing here.
/// </remarks>
internal sealed class RefusalBudget(TimeProvider time)
{
    /// <summary>Refused publishes a second a connection may go on sending without being held.</summary>
    public const double PerSecond = 20;

    /// <summary>Refused publishes a connection may send at once before the rate applies (two seconds of it).</summary>
    public const double Burst = 2 * PerSecond;

    private readonly TokenBucket _bucket = new(PerSecond, Burst, time);

    /// <summary>
    /// Spends one refusal; returns how long to stop reading from the connection: zero while the budget lasts, else until
    /// one refusal is allowed again (within <see cref="FloodGuard.MinHold"/> and <see cref="FloodGuard.MaxHold"/>).
    /// </summary>
    public TimeSpan Spend()
    {
        var owed = _bucket.TakeOwing();
        return owed == TimeSpan.Zero ? owed : FloodGuard.HoldFor(owed);
    }
}
