namespace TwinGuard.Twins.Respond;

/// <summary>One thing the respond stage did (or declined to do), as recorded.</summary>
/// <param name="Id">Store id.</param>
/// <param name="Time">When.</param>
/// <param name="IncidentId">The incident it answered, when any.</param>
/// <param name="Playbook">The playbook, when a playbook did it.</param>
/// <param name="Action">The action as written, e.g. <c>quarantine: source</c>, or <c>release</c>.</param>
/// <param name="Target">What it acted on.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="By">Who: <c>playbook:ID</c>, an operator's name, or <c>expiry</c>.</param>
/// <param name="Detail">One line.</param>
/// <param name="Elapsed">From the incident (or the decision) to the action being in force.</param>
public sealed record ActionRecord(
    long Id,
    DateTimeOffset Time,
    long? IncidentId,
    string? Playbook,
    string Action,
    string Target,
    ActionOutcome Outcome,
    string By,
    string Detail,
    TimeSpan Elapsed);
