namespace TwinGuard.Twins.Respond;

/// <summary>One step of a playbook.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Target">What it acts on as written: <c>source</c>, <c>asset</c>, <c>signals</c>, <c>device</c>, an address, <c>incident</c>.</param>
/// <param name="Notifiers">For <see cref="ActionKind.Notify"/>: the notifier ids.</param>
/// <param name="Approval">When set, the action waits for an operator's approval.</param>
/// <param name="Expires">When set, the containment this action puts in place is lifted automatically after this long.</param>
/// <param name="Line">Line of the action in its file, for records and messages.</param>
public sealed record PlaybookAction(
    ActionKind Kind,
    string Target,
    IReadOnlyList<string> Notifiers,
    ApprovalPolicy? Approval,
    TimeSpan? Expires,
    int Line)
{
    /// <summary>The action as written in the playbook, e.g. <c>quarantine: source</c>.</summary>
    public string Describe() => Kind switch
    {
        ActionKind.QuarantineSource or ActionKind.QuarantineAsset or ActionKind.QuarantineSignals => $"quarantine: {Target}",
        ActionKind.Disconnect => $"disconnect: {Target}",
        ActionKind.RevokeCredentials => $"revoke_credentials: {Target}",
        ActionKind.ReadOnly => $"read_only: {Target}",
        ActionKind.BlockAddress => $"block_address: {Target}",
        ActionKind.Notify => $"notify: [{string.Join(", ", Notifiers)}]",
        _ => $"report: {Target}",
    };

    /// <summary>True for actions that contain something and so have a release.</summary>
    public bool Contains => Kind is not (ActionKind.Notify or ActionKind.Report or ActionKind.Disconnect);
}
