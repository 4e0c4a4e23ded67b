using MQTTnet.Server;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>Each connection's budget of refused publishes (<see cref="RefusalBudget"/>).</summary>
public sealed partial class EmbeddedBroker
{
    private const string RefusalBudgetKey = "twinguard.refusal-budget";

    /// <summary>Starts the connection's refusal budget (at CONNECT).</summary>
    private void TrackRefusals(ValidatingConnectionEventArgs e) => e.SessionItems[RefusalBudgetKey] = new RefusalBudget(_gate.Time);

    /// <summary>
    /// For a publish refused without a hold from the gate (anything but a flood of valid readings): spends one of the
    /// connection's refusals and, once they are spent, leaves the connection unread as a flooder's is.
    /// </summary>
    private Task HoldPastRefusalBudgetAsync(InterceptingPublishEventArgs e, SourceInfo source)
    {
        if (!Options.HoldFlooders || e.SessionItems?[RefusalBudgetKey] is not RefusalBudget budget)
        {
            return Task.CompletedTask;
        }

        var hold = budget.Spend();
        if (hold == TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        source.Batch?.Flush(); // what this connection let through before does not wait out the hold
        return HoldReadingAsync(hold, e.CancellationToken);
    }
}
