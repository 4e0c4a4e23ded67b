namespace TwinGuard.Twins.Respond;

/// <summary>Sends an alert to one target (syslog, webhook, ECS file).</summary>
public interface INotifier
{
    /// <summary>The notifier's id from playbooks.yaml.</summary>
    string Id { get; }

    /// <summary>How many queued messages <see cref="DeliverRunAsync"/> takes at once (its window).</summary>
    /// <value>1: one message, delivered before the next is handed over.</value>
    int Window => 1;

    /// <summary>Sends the alert; returns one line saying where it went. Throws when delivery failed.</summary>
    Task<string> NotifyAsync(IncidentAlert alert, CancellationToken cancellationToken);

    /// <summary>A finding as this target receives it (a syslog message, an ECS document, a webhook body), rendered once when
    /// it is queued so that a retry sends exactly the same bytes.</summary>
    string Render(ForwardedFinding finding);

    /// <summary>Sends what <see cref="Render"/> made; returns where it went. Throws when delivery failed.</summary>
    Task<string> DeliverAsync(string rendered, CancellationToken cancellationToken);

    /// <summary>Sends a run of at most <see cref="Window"/> queued messages, oldest first; returns how many of them, from the
    /// first, the target took (at least one: the rest are handed over again). Throws when it took none.</summary>
    /// <remarks>A target without acknowledgements of its own takes one message per call, through
    /// <see cref="DeliverAsync"/>.</remarks>
    async Task<int> DeliverRunAsync(IReadOnlyList<string> run, CancellationToken cancellationToken)
    {
        await DeliverAsync(run[0], cancellationToken);
        return 1;
    }
}
