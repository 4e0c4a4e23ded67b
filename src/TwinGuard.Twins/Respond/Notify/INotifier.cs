namespace TwinGuard.Twins.Respond;

/// <summary>Sends an alert to one target (syslog, webhook, ECS file).</summary>
public interface INotifier
{
    /// <summary>The notifier's id from playbooks.yaml.</summary>
    string Id { get; }

    /// <summary>Sends the alert; returns one line saying where it went. Throws when delivery failed.</summary>
    Task<string> NotifyAsync(IncidentAlert alert, CancellationToken cancellationToken);
}
