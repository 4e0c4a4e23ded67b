namespace TwinGuard.Twins.Respond;

/// <summary>Sends an alert to one target (syslog, webhook, ECS file).</summary>
public interface INotifier
{
    /// <summary>The notifier's id from playbooks.yaml.</summary>
    string Id { get; }

    /// <summary>Sends the alert; returns one line saying where it went. Throws when delivery failed.</summary>
    Task<string> NotifyAsync(IncidentAlert alert, CancellationToken cancellationToken);

    /// <summary>A finding as this target receives it (a syslog message, an ECS document, a webhook body), rendered once when
    /// it is queued so that a retry sends exactly the same bytes.</summary>
    string Render(ForwardedFinding finding);

    /// <summary>Sends what <see cref="Render"/> made; returns where it went. Throws when delivery failed.</summary>
    Task<string> DeliverAsync(string rendered, CancellationToken cancellationToken);
}
