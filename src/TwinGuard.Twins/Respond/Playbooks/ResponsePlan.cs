namespace TwinGuard.Twins.Respond;

/// <summary>Everything playbooks.yaml declares: notifiers, network enforcement, forwarding of findings and the playbooks.</summary>
/// <param name="Playbooks">In file order; every matching playbook runs.</param>
/// <param name="Notifiers">Notification targets by id.</param>
/// <param name="Network">How addresses are blocked.</param>
/// <param name="PollInterval">How often serve looks for approvals, releases and expiries written by the CLI.</param>
public sealed record ResponsePlan(
    IReadOnlyList<Playbook> Playbooks,
    IReadOnlyList<NotifierModel> Notifiers,
    NetworkEnforcement Network,
    TimeSpan PollInterval)
{
    /// <summary>No playbooks: nothing happens automatically; operators can still quarantine and release.</summary>
    public static ResponsePlan Empty { get; } = new([], [], NetworkEnforcement.Default, TimeSpan.FromSeconds(1));

    /// <summary>Which findings are forwarded to which notifiers as they are found, each at least once; none by default.</summary>
    public IReadOnlyList<ForwardRule> Forwarding { get; init; } = [];

    /// <summary>The notifier with this id, or null.</summary>
    public NotifierModel? FindNotifier(string id) => Notifiers.FirstOrDefault(n => n.Id == id);
}
